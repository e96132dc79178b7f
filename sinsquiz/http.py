from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponseNotAllowed
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
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


class MethodNotAllowedPageMiddleware:
    """A form's address opened as a page (typed, bookmarked, reloaded) gets the site's 405 page, not a blank one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content and request.method == "GET":
            page = render(request, "405.html", status=405)
            page["Allow"] = response["Allow"]
            return page
        return response
