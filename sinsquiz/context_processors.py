from dataclasses import dataclass
from functools import cache

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
    """The main navigation for this user, with the current page marked (drawn on every page, so computed
    from remembered paths rather than reversed each time)."""
    user = request.user
    allowed = {"all"} | ({"user"} if user.is_authenticated else set()) | ({"staff"} if user.is_staff else set())
    match = request.resolver_match
    here = match.view_name if match else None
    return {
        "nav": [
            {"label": link.label, "url": url(link.url_name), "current": here in (link.url_name, *link.also_current_on)}
            for link in NAV
            if link.who in allowed
        ],
        "nav_urls": {
            "home": url("home"),
            "cases": url("case-list"),
            "calculator": url("calculator"),
            "cohorts": url("cohorts"),
            "login": url("login"),
            "logout": url("logout"),
        },  # fmt: skip
    }
