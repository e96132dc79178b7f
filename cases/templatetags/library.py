from django import template
from django.core.files.storage import default_storage

register = template.Library()


@register.filter
def media_url(name: str) -> str:
    """The URL of a stored file given its name, through the storage (local files or S3 alike)."""
    return default_storage.url(name) if name else ""
