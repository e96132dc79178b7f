import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseNotAllowed
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect
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


def shown_page(request: HtmxHttpRequest) -> str | None:
    """The page an htmx request comes from (HX-Current-URL) as a path on this site; None when it is missing,
    elsewhere, or not a URL at all (a hand-made header)."""
    try:
        return request.htmx.current_url_abs_path
    except ValueError:
        return None


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's deny-by-default login. Once a login has lapsed, a part of a page that htmx asks for (a filter's
    results, an autosave) sends the whole page to the login, which brings it back: else the login page would be
    drawn inside the part, or an autosave would take it for a save. A form's button (Save draft, a commit without
    JavaScript) comes back to the page it was pressed on: its own address answers only a POST."""

    def handle_no_permission(self, request, view_func):
        # Back asks htmx for a whole page, which it draws as it comes: it follows a redirect, not an HX-Redirect.
        if request.htmx and not request.htmx.history_restore_request:
            page = shown_page(request)
        elif request.method == "POST":
            page = _referring_page(request)
        else:
            return super().handle_no_permission(request, view_func)
        messages.info(request, "Your login had lapsed: log in again to carry on. A change you had just made may "
                      "not have been saved.")  # fmt: skip
        login_url = resolve_url(self.get_login_url(view_func))
        login = redirect_to_login(page or "/", login_url, self.get_redirect_field_name(view_func))
        return HttpResponseClientRedirect(login.url) if request.htmx else login


def _referring_page(request: HttpRequest) -> str | None:
    """The page a form was posted from (Referer) as a path on this site; None when it is missing or elsewhere."""
    referer = request.META.get("HTTP_REFERER", "")
    here = {"allowed_hosts": {request.get_host()}, "require_https": request.is_secure()}
    if not url_has_allowed_host_and_scheme(referer, **here):
        return None
    parts = urlsplit(referer)
    page = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return page if url_has_allowed_host_and_scheme(page, **here) else None  # not "//elsewhere.example/"


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


class RefuseNulMiddleware:
    """A NUL character in the address (`%00`) or a cookie is a 400 before any view: PostgreSQL refuses NUL in
    text, so a filter, a lookup or the session made from it would end in a 500 (forms refuse NUL in what they post
    on their own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = (part for key, values in request.GET.lists() for part in (key, *values))
        cookies = (part for item in request.COOKIES.items() for part in item)
        if "\x00" in request.path or any("\x00" in part for part in (*query, *cookies)):
            request.user = AnonymousUser()  # the 400 page is drawn for no one: the session is never read
            raise BadRequest("NUL in the address or a cookie")
        return self.get_response(request)


def client_address(request: HttpRequest) -> str | None:
    """The client's address for login throttling. Behind TRUSTED_PROXY_COUNT proxies, each of which appends the
    address it was reached from to X-Forwarded-For (nginx, Caddy), it is that many entries from the right: what
    stands to their left, the client wrote itself. (django-ipware counts proxies as listing themselves, which these
    do not: it would read one of the client's own entries.)"""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [address.strip() for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if count and len(forwarded) >= count and (address := _ip_address(forwarded[-count])):
        return address
    return request.META.get("REMOTE_ADDR")


def client_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username a login tried, for login throttling, cut to the 255 characters of the column axes keeps it in:
    PostgreSQL refuses a longer one, and the failed login was a 500. No account's name is that long (150 at most)."""
    username = credentials.get("username") if credentials else request.POST.get("username")
    return username[:255] if username else username


def _ip_address(entry: str) -> str | None:
    """The address in an X-Forwarded-For entry, which some proxies write with a port ("203.0.113.1:51234",
    "[2001:db8::1]:443"); None when it holds none ("unknown")."""
    host = entry[1:].partition("]")[0] if entry.startswith("[") else entry
    if host.count(":") == 1:  # an IPv4 address and its port (an IPv6 address has several colons)
        host = host.partition(":")[0]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None
