"""When a long-running command (seeding the demo, importing a file) prints a line of progress.

Commands print "n/total ..." as they go, so that whoever runs them sees they are alive and how far
they are: every ``every`` items if given, at least at every tenth of the way (a small run is not
silent until the end), and at the end.
"""

STEPS = 10


def progress_due(done: int, total: int, *, every: int | None = None) -> bool:
    """Whether to print progress after ``done`` of ``total`` items."""
    if done >= total:
        return True
    tenth = max(1, total // STEPS)
    return done % tenth == 0 or (every is not None and done % every == 0)


def progress_line(done: int, total: int, what: str) -> str:
    """'  250/1000 participants (25 %)'."""
    return f"  {done}/{total} {what} ({done * 100 // total} %)"


def plain(text: str) -> str:
    """The style of a progress line written to a command's stderr: progress is information, so it
    is printed without the error colour Django gives stderr."""
    return text
