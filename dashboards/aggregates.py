"""Percentiles as database aggregates.

PostgreSQL: `percentile_cont(p) WITHIN GROUP (ORDER BY x)` through a custom Aggregate (works with
`filter=` and inside `.aggregate()` next to counts, so a dashboard asks once).

SQLite has no ordered-set aggregates: `sqlite_percentiles` computes the same interpolated value in one
SQL statement (COUNT, then ORDER BY … LIMIT 1 OFFSET k for the two neighbours of position (n-1)·p). Only
three numbers per percentile come back to Python; rows are never iterated here.
"""

from __future__ import annotations

import math

from django.db import connection
from django.db.models import Aggregate, FloatField, QuerySet


class Percentile(Aggregate):
    function = "PERCENTILE_CONT"
    name = "Percentile"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, percentile: float, **extra):
        percentile = float(percentile)
        if not 0.0 <= percentile <= 1.0:
            raise ValueError("percentile must be within [0, 1]")
        # a float formatted by us, never user input: safe to place in the SQL text
        self.template = f"%(function)s({percentile!r}) WITHIN GROUP (ORDER BY %(expressions)s)"
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):  # pragma: no cover - guarded by callers
        raise NotImplementedError("use dashboards.aggregates.sqlite_percentiles on SQLite")


def supports_percentile_aggregate() -> bool:
    return connection.vendor == "postgresql"


def sqlite_percentiles(qs: QuerySet, field: str, percentiles: tuple[float, ...]) -> dict[float, float | None]:
    """{p: percentile_cont(p)} of `field` over `qs`, in one SQL statement (any backend with window-less
    LIMIT/OFFSET subqueries; used on SQLite)."""
    inner = qs.filter(**{f"{field}__isnull": False}).order_by().values(field)
    sql, params = inner.query.sql_with_params()
    parts = []
    for p in percentiles:
        pos = f"((n - 1) * {float(p)!r})"
        # only our floats and Django's compiled SQL go into the text; values stay parameters
        parts.append(f"(SELECT x FROM v ORDER BY x LIMIT 1 OFFSET (SELECT CAST({pos} AS INTEGER) FROM c))")  # noqa: S608
        parts.append(
            f"(SELECT x FROM v ORDER BY x LIMIT 1 OFFSET (SELECT CAST({pos} AS INTEGER)"  # noqa: S608
            f" + ({pos} > CAST({pos} AS INTEGER)) FROM c))"
        )
    query = f"WITH v(x) AS ({sql}), c(n) AS (SELECT COUNT(*) FROM v) SELECT n, {', '.join(parts)} FROM c"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        row = cursor.fetchone()
    n = row[0] if row else 0
    out: dict[float, float | None] = {}
    for i, p in enumerate(percentiles):
        if not n:
            out[p] = None
            continue
        lo, hi = row[1 + 2 * i], row[2 + 2 * i]
        pos = (n - 1) * float(p)
        frac = pos - math.floor(pos)
        out[p] = float(lo) + (float(hi) - float(lo)) * frac
    return out
