import re

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str, **kwargs) -> int:
    """How many SQL queries one successful request costs."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def reads_of(table: str, queries) -> list[str]:
    """The SELECTs among captured queries that read `table` (a deferred field loaded later is one more)."""
    reads = re.compile(rf'^\s*SELECT\b.*\bFROM "?{table}"?(\s|$)', re.DOTALL)
    return [q["sql"] for q in queries if reads.match(q["sql"])]
