from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str, **kwargs) -> int:
    """How many SQL queries one successful request costs, with nothing in the cache (the worst case)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)
