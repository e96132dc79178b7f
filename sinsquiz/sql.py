"""Model instances from hand-written SQL, for the few reads on every page view (bench/README.md).

`Model.objects.raw()` does the same, but works out on every query which field each column holds and how to
convert its values; for a one-row read that took three times as long as running the query. Here that is
worked out once per connection, model and list of columns.
"""

from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.sql import Query


def fetch(model, sql: str, params=()) -> list:
    """The rows of `sql` as instances of `model`, the columns it does not select deferred, as raw() makes
    them; a column that is not one of the model's (an alias) is set as an attribute."""
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = tuple(column[0] for column in cursor.description)
        rows = cursor.fetchall()
    load = _loader(connection.alias, model, columns)
    return [load(row, connection) for row in rows]


def first(model, sql: str, params=()):
    """The first row of `sql` as an instance of `model`, or None."""
    return next(iter(fetch(model, sql, params)), None)


@lru_cache(maxsize=64)
def _loader(alias: str, model, columns: tuple[str, ...]):
    fields = [field for field in model._meta.concrete_fields if field.column in columns]
    if model._meta.pk not in fields:
        raise ValueError(f"A query for {model.__name__} instances must select its primary key.")
    positions = [columns.index(field.column) for field in fields]  # in the model's order, as from_db wants
    names = tuple(field.attname for field in fields)
    known = {field.column for field in fields}
    extras = [(position, column) for position, column in enumerate(columns) if column not in known]
    connection = connections[alias]
    compiler = connection.ops.compiler("SQLCompiler")(Query(model), connection, alias)
    converters = compiler.get_converters([field.get_col(model._meta.db_table) for field in fields]).items()

    def load(row, connection):
        values = [row[position] for position in positions]
        for index, (functions, expression) in converters:
            for convert in functions:
                values[index] = convert(values[index], expression, connection)
        instance = model.from_db(alias, names, values)
        for position, column in extras:
            setattr(instance, column, row[position])
        return instance

    return load
