from django.contrib.auth.models import User
from django.http import HttpRequest
from django.middleware.gzip import GZipMiddleware
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User


class PageGZipMiddleware(GZipMiddleware):
    """Gzip what the app writes (pages, partials, CSV) for clients that accept it. Images are compressed
    already, and WhiteNoise serves static files precompressed: both pass through as they are."""

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("image/"):
            return response
        return super().process_response(request, response)
