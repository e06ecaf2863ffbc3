"""The security headers Django does not set itself (issue 9): a Content-Security-Policy and a
Permissions-Policy on every response. Django's own middleware already sends
X-Content-Type-Options, Referrer-Policy, Cross-Origin-Opener-Policy (SecurityMiddleware) and
X-Frame-Options (XFrameOptionsMiddleware); Strict-Transport-Security comes with the production
settings.

The policy allows only what the pages need: scripts, styles, images and fonts from the site itself
(Bootstrap and Chart.js are served from ``static/``, never a CDN); no inline script anywhere (the
templates load every script from a file and pass data in ``data-`` attributes or ``json_script``
blocks, which are data, not code); inline ``style=""`` attributes, which set the width of progress
bars and table columns; ``data:`` images, which Bootstrap's stylesheet uses for its icons; requests
(``fetch``) to the site only; forms that post to the site only; and no framing.
``settings.CONTENT_SECURITY_POLICY`` replaces it (for instance to report violations).
"""

from django.conf import settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# The browser features no page uses.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy headers unless the view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
