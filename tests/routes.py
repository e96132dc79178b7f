"""Every route the project serves, from Django's URL resolver, so that a new route cannot be forgotten."""

import re

from django.urls import URLPattern, URLResolver, get_resolver


def _sample(pattern: str) -> str:
    """A concrete path for a route pattern: converters become "1", regex groups their first alternative."""
    path = re.sub(r"<(?:\w+:)?\w+>", "1", pattern)
    path = re.sub(r"\(\?P<\w+>\.\*\)", "no-such-page", path)
    path = re.sub(r"\(\?P<\w+>([^)|]*)[^)]*\)", r"\1", path)
    return "/" + path.replace("^", "").replace("$", "")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield _sample(prefix + str(entry.pattern))


def all_paths() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))
