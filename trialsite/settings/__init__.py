"""Settings modules: ``base`` (shared, read from the environment), ``dev`` (``make run``, demo mode),
``test`` (``make test``) and ``production`` (gunicorn, docker compose)."""
