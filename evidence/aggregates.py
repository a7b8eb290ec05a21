"""Percentiles computed by the database, with one meaning on every backend.

The meaning is PostgreSQL's ``percentile_cont(p)``: sort the n values x[0] <= ... <= x[n-1];
take the position k = p * (n - 1); the result is x[floor(k)] + (k - floor(k)) *
(x[ceil(k)] - x[floor(k)]), a linear interpolation between the two nearest ranks. So the
median of 1, 2, 3, 10 is 2.5 and its 90th percentile is 3 + 0.7 * 7 = 7.9. No values give
None; one value gives that value for every p.

PostgreSQL computes it with the ordered-set aggregate ``percentile_cont ... WITHIN GROUP``
(``PercentileCont``). SQLite has no such aggregate, so ``percentile`` asks it for the count
and then for the one or two rows at position floor(k) and ceil(k) (``ORDER BY ... LIMIT 2
OFFSET floor(k)``): the database sorts, Python reads at most two rows.
"""

from __future__ import annotations

import math

from django.db import connection
from django.db.models import Aggregate, F, FloatField, Func, Q, QuerySet


class DurationSeconds(Func):
    """``end - start`` in seconds, as a float (None when either is None)."""

    output_field = FloatField()

    def __init__(self, end: str, start: str, **extra):
        super().__init__(F(end), F(start), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django's SQLite backend stores datetimes as text; its own django_timestamp_diff
        # gives the exact difference in microseconds.
        return self.as_sql(
            compiler,
            connection,
            template="(django_timestamp_diff(%(expressions)s) / 1000000.0)",
            arg_joiner=", ",
            **extra_context,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``; honours ``filter=``.

    With a list of fractions it is ``percentile_cont(ARRAY[...])`` and returns a list: one
    sort gives every percentile.
    """

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, percentile: float | list[float], **extra):
        many = isinstance(percentile, list | tuple)
        fractions = [float(p) for p in (percentile if many else [percentile])]
        if not fractions or any(not 0.0 <= p <= 1.0 for p in fractions):
            raise ValueError("percentiles must be between 0 and 1")
        text = ", ".join(repr(p) for p in fractions)
        if many:
            from django.contrib.postgres.fields import ArrayField

            extra["output_field"] = ArrayField(FloatField())
            text = f"ARRAY[{text}]::double precision[]"
        else:
            extra["output_field"] = FloatField()
        super().__init__(expression, percentile=text, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor != "postgresql":
            raise NotImplementedError("percentile_cont needs PostgreSQL; use percentile()")
        return super().as_sql(compiler, connection, **extra_context)


def interpolate(lower: float, upper: float, position: float) -> float:
    return lower + (position - math.floor(position)) * (upper - lower)


def percentile(qs: QuerySet, expression, p: float, *, where: Q | None = None) -> float | None:
    """The ``p`` percentile of ``expression`` over ``qs`` (rows where it is not null), with
    ``percentile_cont``'s meaning on any database (see the module docstring)."""
    qs = qs.annotate(_value=expression).filter(_value__isnull=False)
    if where is not None:
        qs = qs.filter(where)
    if connection.vendor == "postgresql":
        return qs.aggregate(result=PercentileCont("_value", p))["result"]
    n = qs.count()
    return percentile_from_sorted(qs, "_value", p, n)


def percentile_from_sorted(qs: QuerySet, field: str, p: float, n: int) -> float | None:
    """Read the one or two rows around position p*(n-1) of ``qs`` sorted by ``field``."""
    if n == 0:
        return None
    position = p * (n - 1)
    low = math.floor(position)
    high = math.ceil(position)
    values = list(qs.order_by(field).values_list(field, flat=True)[low : high + 1])
    if len(values) == 1:
        return float(values[0])
    return interpolate(float(values[0]), float(values[1]), position)
