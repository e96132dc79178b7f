from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from sinsquiz import sins, stats

register = template.Library()


@register.filter
def person(user) -> str:
    """A user as pages name them: the full name, or the username of someone who gave none."""
    return (user.get_full_name() or user.get_username()) if user else ""


@register.filter
def duration(value: timedelta | None) -> str:
    """A time spent, for people: "45 s", "4 min", "1 h 20 min"."""
    if not value:
        return ""
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


@register.filter
def percent(value: float | None, places: int = 0) -> str:
    """A share as a percentage (whole unless told the decimals), or a dash when there is nothing to measure."""
    return f"{100 * value:.{places}f}\u00a0%" if isinstance(value, int | float) else "—"  # no break before the sign


@register.filter
def kappa_words(value: float | None) -> str:
    return stats.kappa_label(value)


@register.filter
def ago(value: datetime | None) -> str:
    """How long ago, for people: "just now" within the minute (never "0 minutes ago"), else "3 hours ago"."""
    if not value:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, depth=1)} ago"


@register.filter
def in_sentence(label: str) -> str:
    """A label inside a sentence: "vertebral body collapse", "Tomita type" (sins.in_sentence)."""
    return sins.in_sentence(str(label))
