"""Project configuration: settings, URLs, the Celery app, WSGI/ASGI."""

from .celery import app as celery_app

# The software version, stated in study exports (README.txt) and the admin. Raised with each release.
__version__ = "0.10.0"

__all__ = ("__version__", "celery_app")
