from dataclasses import dataclass

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


def nav(request) -> dict:
    """The main navigation's links that this user may follow, with the page they are on marked."""
    user = request.user
    allowed = {"all"} | ({"user"} if user.is_authenticated else set()) | ({"staff"} if user.is_staff else set())
    here = request.resolver_match.view_name if request.resolver_match else None
    links = [
        {"label": link.label, "url": reverse(link.url_name), "current": here in (link.url_name, *link.also_current_on)}
        for link in NAV
        if link.who in allowed
    ]
    return {"nav": links}
