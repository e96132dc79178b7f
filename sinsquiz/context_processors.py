from dataclasses import dataclass
from functools import cache

from django.template.loader import render_to_string
from django.urls import reverse

from sinsquiz import sins


def sins_numbers(request) -> dict:
    """The maximum total and the number of components, for pages that write "9 / 18" or "5 of 6"."""
    return {"SINS_MAX": sins.MAX_TOTAL, "SINS_COMPONENTS": len(sins.COMPONENTS)}


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    who: str  # "user": logged in; "staff": educators; "all": everyone
    also_current_on: tuple[str, ...] = ()


NAV = (
    Link("Home", "home", "user"),
    Link("Progress", "progress", "user"),
    Link("Cases", "case-list", "user", also_current_on=("case",)),
    Link("Calculator", "calculator", "all"),
    Link("Cohorts", "cohorts", "staff", also_current_on=("cohort",)),
    Link("Authoring", "admin:index", "staff"),
)


@cache
def url(name: str) -> str:
    """The path of a URL that takes no arguments; the URLconf does not change while the process runs."""
    return reverse(name)


def nav(request) -> dict:
    """The brand and the main navigation for this user, with the current page marked, and the paths other
    links of the top bar need. Every page draws them, so they are drawn once per kind of user and page."""
    user = request.user
    match = request.resolver_match
    return {
        "nav": _nav(user.is_authenticated, user.is_staff, match.view_name if match else None),
        "nav_urls": {
            "home": url("home"),
            "cases": url("case-list"),
            "calculator": url("calculator"),
            "cohorts": url("cohorts"),
            "login": url("login"),
            "logout": url("logout"),
        },  # fmt: skip
    }


@cache
def _nav(signed_in: bool, staff: bool, here: str | None) -> str:
    """The `nav` partial of base.html for one kind of user on one page (the URLconf and the static files'
    names do not change while the process runs)."""
    allowed = {"all"} | ({"user"} if signed_in else set()) | ({"staff"} if staff else set())
    links = [
        {"label": link.label, "url": url(link.url_name), "current": here in (link.url_name, *link.also_current_on)}
        for link in NAV
        if link.who in allowed
    ]
    return render_to_string("base.html#nav", {"links": links, "brand_url": url("home" if signed_in else "calculator")})
