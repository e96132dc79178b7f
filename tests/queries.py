from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str, *, method: str = "get", status: int = 200, **kwargs) -> int:
    """How many SQL queries one request costs, with nothing in the cache (the worst case)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status, (method, url, response.status_code)
    return len(queries)
