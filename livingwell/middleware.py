import time

from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date

# What ``add_never_cache_headers`` writes on a response with no Cache-Control of its own,
# with "no-store" first.
NEVER_CACHE = "no-store, max-age=0, no-cache, must-revalidate, private"


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in user hold personal data: never let a cache keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            headers = response.headers
            if "Cache-Control" in headers:
                # The view's own directives kept, as Django merges them.
                add_never_cache_headers(response)
                headers["Cache-Control"] = "no-store, " + headers["Cache-Control"]
            else:
                # Django's headers, written at once rather than parsed and merged: every
                # signed-in response comes this way.
                if "Expires" not in headers:
                    headers["Expires"] = http_date(time.time())
                headers["Cache-Control"] = NEVER_CACHE
        return response
