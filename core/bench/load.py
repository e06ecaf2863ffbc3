"""A bounded HTTP load on one URL from a separate process (no Django): ``users`` threads, each with
its own keep-alive connection to 127.0.0.1, loop GET for ``seconds`` after a short warm-up; prints
JSON with throughput and latency percentiles. Used by ``manage.py bench`` against gunicorn."""

import argparse
import http.client
import json
import statistics
import threading
import time


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run(*, port: int, path: str, cookie: str, users: int, seconds: float, warmup: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start_at = time.monotonic() + warmup
    stop_at = start_at + seconds

    def user() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie, "Host": "127.0.0.1"}
        while True:
            now = time.monotonic()
            if now >= stop_at:
                break
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - began) * 1000
            if now >= start_at:
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors += 1
        connection.close()

    threads = [threading.Thread(target=user) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "users": users,
        "seconds": seconds,
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/")
    parser.add_argument("--cookie", required=True)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    args = parser.parse_args()
    print(json.dumps(run(port=args.port, path=args.path, cookie=args.cookie, users=args.users,
                         seconds=args.seconds, warmup=args.warmup)))  # fmt: skip


if __name__ == "__main__":
    main()
