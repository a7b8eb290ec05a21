"""Queries that every signed-in page runs, compiled by the ORM once instead of on every request.

Turning a queryset into SQL costs the ORM 0.4-0.6 ms here even for a lookup by primary key,
against 0.05-0.1 ms to send that SQL and read its row: the session's user, their second
factor's device and their unread count were about a fifth of a small page. A ``Prepared``
query is built by the ORM as usual, once per process and database, with marker values where
the caller's values go; later calls put the values in place of the markers and run the same
SQL. Rows come back through the ORM's own converters and ``Model.from_db``, so an instance is
what the queryset would have given.

``first``, ``all`` and ``count`` are for plain lookups: a model's own columns, all of them or
those ``only()`` names (no ``select_related`` or annotations). ``fetch`` takes any queryset
(joins, annotations, ``values()``, ``prefetch_related``): it keeps the ORM's compiler of the
first call and lets the queryset's own iterable read the rows, so what comes back is exactly
what ``list(queryset)`` gives. Values are whole numbers, text or aware datetimes, each used once
in the SQL; anything else is refused when the query is first compiled, not answered wrongly.
Everything else in the SQL is fixed at that first compilation: ``build`` must take every value
that varies as an argument (no ``timezone.now()`` inside it).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import connections, models, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

from livingwell.pg_prepared import plan_once, written_in

# Distinct values no real row has: negative, far from any id, and in range of a 32-bit column
# (Django empties a lookup whose value is out of its column's range).
_INT_MARKER_BASE = -2_000_000_011
_TEXT_MARKER = "\x00prepared-marker-{}\x00"
_TIME_MARKER_BASE = dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC)

# The largest id a row can have (a 64-bit column): a page looking up a larger one from its URL
# answers "not found" without a query, as the ORM does.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[int, ...]  # where the caller's i-th value goes in params
    model: type | None = None
    attnames: tuple[str, ...] = ()
    converters: dict | None = None
    queryset: QuerySet | None = None  # fetch: the queryset compiled with markers
    compiler: object = None  # fetch: its compiler, after as_sql()


class Prepared:
    """One lookup, ``build(*values)`` returning the queryset for those values.

    ``kinds`` says what each value is, ``int``, ``str`` or ``datetime.datetime`` (compared with
    a ``DateTimeField``), so that markers of that kind stand in for them while the SQL is
    compiled.

    ``plan_once=True``: on PostgreSQL the server plans the statement once per connection
    (``livingwell.pg_prepared``), with the queryset's fixed values written into the SQL and only
    the caller's sent as values. Only where one plan suits every value: a lookup whose values
    are compared by equality with indexed columns (ids, a slug), or a list in a fixed order read
    by an index; of a paged list only the first page is planned once (``fetch``).
    """

    def __init__(self, build: Callable[..., QuerySet], *kinds: type, plan_once: bool = False):
        if any(kind not in (int, str, dt.datetime) for kind in kinds):
            raise TypeError("Prepared values are whole numbers, text or datetimes")
        self.build = build
        self.kinds = kinds
        self.plan_once = plan_once
        self._first_pages: dict[tuple[str, int], str] = {}
        self._first: dict[str, _Compiled] = {}
        self._all: dict[str, _Compiled] = {}
        self._count: dict[str, _Compiled] = {}
        self._fetch: dict[str, _Compiled] = {}

    def _markers(self) -> list:
        return [
            _INT_MARKER_BASE - i
            if kind is int
            else _TEXT_MARKER.format(i)
            if kind is str
            else _TIME_MARKER_BASE + dt.timedelta(seconds=i)
            for i, kind in enumerate(self.kinds)
        ]

    def _slots(self, markers: list, params: tuple, using: str) -> tuple[int, ...]:
        slots = []
        for marker in self._adapted(markers, using):
            found = [i for i, p in enumerate(params) if p == marker and type(p) is type(marker)]
            if len(found) != 1:
                raise ValueError(f"a prepared value must appear once in the SQL; found {found}")
            slots.append(found[0])
        return tuple(slots)

    def _fixed_in_sql(self, sql: str, params: tuple, slots: tuple[int, ...], using: str):
        """For ``plan_once`` on PostgreSQL: the SQL with every value but the caller's written
        in (as psycopg2 would write it), declared to ``livingwell.pg_prepared``; the caller's
        values stay placeholders, in their order in the SQL. Otherwise, as given."""
        connection = connections[using]
        if not self.plan_once or connection.vendor != "postgresql":
            return sql, params, slots
        by_position = sorted(slots)
        sql = plan_once(
            written_in(sql, params, by_position, lambda v: connection.ops.compose_sql("%s", [v]))
        )
        return sql, tuple(params[i] for i in by_position), tuple(map(by_position.index, slots))

    def _adapted(self, values, using: str) -> list:
        """The values as the ORM passes them to the database driver."""
        if len(values) != len(self.kinds):
            raise TypeError(f"expected {len(self.kinds)} values, got {len(values)}")
        out = []
        for kind, value in zip(self.kinds, values, strict=True):
            if kind is dt.datetime:
                if not isinstance(value, dt.datetime) or value.tzinfo is None:
                    raise ValueError("a prepared datetime must be aware")
                value = connections[using].ops.adapt_datetimefield_value(value)
            else:
                value = kind(value)
            out.append(value)
        return out

    def _params(self, compiled: _Compiled, values: tuple, using: str) -> list:
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, self._adapted(values, using), strict=True):
            params[slot] = value
        return params

    # --- instances ------------------------------------------------------------------------------
    def first(self, *values, using: str = "default"):
        """The first row as a model instance, or None: ``build(*values)[:1]`` (the lookups
        this is for match one row at most)."""
        compiled = self._first.get(using) or self._compile(using, self._first, one=True)
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled, values, using))
            row = cursor.fetchone()
        return None if row is None else self._instance(compiled, row, using)

    def all(self, *values, using: str = "default") -> list:
        """Every row, as model instances in the queryset's order: ``list(build(*values))``."""
        compiled = self._all.get(using) or self._compile(using, self._all, one=False)
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled, values, using))
            rows = cursor.fetchall()
        return [self._instance(compiled, row, using) for row in rows]

    @staticmethod
    def _instance(compiled: _Compiled, row, using: str):
        if compiled.converters:
            # As the ORM's compiler applies them, with this thread's connection.
            connection = connections[using]
            row = list(row)
            for pos, (converters, expression) in compiled.converters.items():
                for converter in converters:
                    row[pos] = converter(row[pos], expression, connection)
        return compiled.model.from_db(using, compiled.attnames, tuple(row))

    def _compile(self, using: str, kept: dict, *, one: bool) -> _Compiled:
        markers = self._markers()
        qs = self.build(*markers).using(using)
        if one:
            qs = qs[:1]
        compiler = qs.query.get_compiler(using)
        sql, params = compiler.as_sql()
        info = compiler.klass_info
        if info is None or info.get("related_klass_infos") or compiler.annotation_col_map:
            raise ValueError("only a model's own columns can be prepared")
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        columns = [col for col, _, _ in compiler.select]
        sql, params, slots = self._fixed_in_sql(
            sql, tuple(params), self._slots(markers, tuple(params), using), using
        )
        compiled = _Compiled(
            sql=sql,
            params=params,
            slots=slots,
            model=info["model"],
            attnames=tuple(col.target.attname for col in columns[start:end]),
            converters=compiler.get_converters(columns),
        )
        kept[using] = compiled
        return compiled

    # --- any queryset ----------------------------------------------------------------------------
    def fetch(
        self, *values, limit: int | None = None, offset: int = 0, using: str = "default"
    ) -> list:
        """``list(build(*values))``: instances with what ``select_related`` joined and their
        annotations, or the dicts or tuples of ``values()``, and what ``prefetch_related``
        names, fetched by its own (ordinary) queries. With ``limit``, the rows
        ``build(*values)[offset:offset + limit]`` (``build`` itself must not slice then)."""
        compiled = self._fetch.get(using) or self._compile_fetch(using)
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[using]  # this thread's
        sql, params = compiled.sql, self._params(compiled, values, using)
        if limit is not None:
            if compiled.compiler.query.is_sliced:
                raise ValueError("a prepared queryset sliced by build() cannot be paged")
            limit, offset = int(limit), int(offset)
            if offset == 0 and self.plan_once:
                sql = self._first_page_sql(compiled.sql, limit)
            else:
                sql = f"{sql} LIMIT %s OFFSET %s"
                params += [limit, offset]
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        # The rows' converters, worked out once with the SQL (the compiler's select list does
        # not change) rather than for each call; applied with this thread's connection.
        converters = compiled.converters
        compiler.get_converters = lambda expressions: converters
        template = compiled.queryset
        qs = template.__class__(model=template.model, query=_Query(template.query, compiler))
        qs._db = using
        qs._iterable_class = template._iterable_class
        qs._fields = template._fields
        qs._prefetch_related_lookups = template._prefetch_related_lookups
        qs._hints = template._hints
        return list(qs)

    def _first_page_sql(self, sql: str, limit: int) -> str:
        """A list's first page, its limit written in: with ``plan_once`` that page (the one
        nearly every request reads) is planned once per connection for its size; later pages,
        whose offsets vary, are sent as text."""
        key = (sql, limit)
        found = self._first_pages.get(key)
        if found is None:
            found = self._first_pages[key] = plan_once(f"{sql} LIMIT {limit}")
        return found

    def page(self, *values, count: int, using: str = "default") -> PreparedRows:
        """What ``django.core.paginator.Paginator`` pages: ``count`` rows (counted by the
        caller), a page of them read by ``fetch`` with a limit and an offset."""
        return PreparedRows(self, values, count, using)

    def _compile_fetch(self, using: str) -> _Compiled:
        markers = self._markers()
        qs = self.build(*markers).using(using)
        if qs._known_related_objects:
            raise ValueError("a related manager's queryset cannot be prepared: filter by the id")
        compiler = qs.query.get_compiler(using)
        sql, params = compiler.as_sql()
        sql, params, slots = self._fixed_in_sql(
            sql, tuple(params), self._slots(markers, tuple(params), using), using
        )
        compiled = _Compiled(
            sql=sql,
            params=params,
            slots=slots,
            converters=compiler.get_converters(
                [column[0] for column in compiler.select[0 : compiler.col_count]]
            ),
            queryset=qs,
            compiler=compiler,
        )
        self._fetch[using] = compiled
        return compiled

    # --- a count --------------------------------------------------------------------------------
    def count(self, *values, using: str = "default") -> int:
        """``build(*values).count()``."""
        compiled = self._count.get(using) or self._compile_count(using)
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled, values, using))
            return int(cursor.fetchone()[0])

    def _compile_count(self, using: str) -> _Compiled:
        # The rows' primary keys, counted. Both databases flatten the subquery, so it is planned
        # as the ORM's own COUNT(*) would be (seen with EXPLAIN on PostgreSQL).
        markers = self._markers()
        qs = self.build(*markers).using(using).order_by().values("pk")
        inner, params = qs.query.get_compiler(using).as_sql()
        name = connections[using].ops.quote_name("counted")
        sql = f"SELECT COUNT(*) FROM ({inner}) {name}"  # noqa: S608 - the ORM's own SQL
        sql, params, slots = self._fixed_in_sql(
            sql, tuple(params), self._slots(markers, tuple(params), using), using
        )
        compiled = _Compiled(sql=sql, params=params, slots=slots)
        self._count[using] = compiled
        return compiled


class PreparedRows:
    """A prepared queryset's rows as a paginator sees them: a length, and slices."""

    ordered = True

    def __init__(self, prepared: Prepared, values: tuple, count: int, using: str):
        self.prepared, self.values, self._count, self.using = prepared, values, count, using

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("prepared rows are read a page (a slice) at a time")
        start = index.start or 0
        stop = self._count if index.stop is None else index.stop
        if stop <= start:
            return []
        return self.prepared.fetch(*self.values, limit=stop - start, offset=start, using=self.using)


class _Query:
    """A compiled query standing in for the queryset's: the same attributes, read only, and the
    compiler already holding this call's SQL."""

    def __init__(self, query, compiler):
        self._query = query
        self._compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler

    def __getattr__(self, name):
        return getattr(self._query, name)


# Django's field classes that write a value of these exact types as it is (``pre_save`` and
# ``get_db_prep_save`` give it back unchanged), and the key types a relation to such a key
# holds. Asking a field costs about ten calls a value; an insert writes dozens.
_AS_IS: dict[type, frozenset] = {
    **dict.fromkeys((models.CharField, models.TextField), frozenset((str, type(None)))),
    **dict.fromkeys(
        (
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
            models.AutoField,
            models.BigAutoField,
            models.SmallAutoField,
        ),
        frozenset((int, type(None))),
    ),
    models.BooleanField: frozenset((bool, type(None))),
}
_RELATIONS = (models.ForeignKey, models.OneToOneField)


def _as_is(field, connection) -> frozenset:
    """The types of value ``field`` writes unchanged on ``connection`` (none if it is not one
    of Django's own classes above, or a relation to a key of one). Whole numbers only where the
    backend hands them to the driver as they are (psycopg 3's wraps each in its column's type)."""
    if type(field) in _RELATIONS:
        key = _AS_IS.get(type(field.target_field), frozenset())
        types = key if int in key else frozenset()
    else:
        types = _AS_IS.get(type(field), frozenset())
    if int in types and type(connection.ops.adapt_integerfield_value(1, "IntegerField")) is not int:
        return frozenset()
    return types


def writers(fields, connection) -> tuple:
    """For ``db_values``: each field, its attribute and the types it writes as they are."""
    return tuple((f, f.attname, _as_is(f, connection)) for f in fields)


def db_values(written: tuple, obj, connection) -> list:
    """The values of ``obj`` an INSERT writes for ``written`` (``writers(fields, connection)``): as
    ``field.get_db_prep_save(field.pre_save(obj, True), connection)``, which is asked for every
    value but those a field is known to write as they are."""
    return [
        value
        if type(value := getattr(obj, attname)) in as_is
        else field.get_db_prep_save(field.pre_save(obj, True), connection)
        for field, attname, as_is in written
    ]


@dataclass(frozen=True)
class _CompiledInsert:
    sql: str
    writers: tuple  # db_values's, of the columns in the SQL's order
    returning_params: tuple
    returning_fields: tuple
    converters: dict  # position -> (converters, expression), as the ORM applies them


class PreparedInsert:
    """``model.objects.create(**values)`` with the INSERT compiled by the ORM once per process
    and database, not on every call: the ORM's save path (signals, the compiler building the
    statement) took about 0.3 ms a row here, and an observation sent writes four.

    The row is what ``create`` writes: every concrete field's value as ``Field.pre_save`` and
    ``get_db_prep_save`` give it (so defaults and ``auto_now`` apply), and what the database
    returns (the primary key) set on the instance. Where ``create`` would do more than that
    it is called instead: when a ``pre_save`` or ``post_save`` receiver listens to the model
    (django-simple-history's, say), when a value is an expression or the primary key is given,
    and for models with parents, database defaults or columns with their own placeholders.
    """

    def __init__(self, model):
        self.model = model
        meta = model._meta
        self._fields = tuple(
            f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field
        )
        # Whether the model itself allows it; receivers and values are looked at on each call.
        self._plain = (
            meta.auto_field is not None
            and not meta.parents
            and not any(f.has_db_default() or hasattr(f, "get_placeholder") for f in self._fields)
        )
        self._compiled: dict[str, _CompiledInsert] = {}

    @property
    def fields(self) -> tuple:
        """The columns written, in the INSERT's order."""
        return self._fields

    def inserts_plainly(self, obj, values: dict) -> bool:
        """Whether ``obj``, made of ``values``, is written by the compiled INSERT rather than by
        ``save()`` (receivers listening, an expression, a primary key given)."""
        model = self.model
        return not (
            not self._plain
            or obj.pk is not None
            or pre_save.has_listeners(model)
            or post_save.has_listeners(model)
            or any(hasattr(value, "resolve_expression") for value in values.values())
        )

    def create(self, using: str = "default", **values):
        model = self.model
        obj = model(**values)
        if not self.inserts_plainly(obj, values):
            obj.save(force_insert=True, using=using)
            return obj
        connection = connections[using]
        compiled = self._compiled.get(using) or self._compile(obj, using)
        params = db_values(compiled.writers, obj, connection)
        # As Model.save_base: an error inside atomic() marks the transaction for rollback.
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(compiled.sql, [*params, *compiled.returning_params])
            if connection.features.can_return_columns_from_insert:
                returned = connection.ops.fetch_returned_insert_columns(
                    cursor, compiled.returning_params
                )
            else:
                meta = model._meta
                returned = (
                    connection.ops.last_insert_id(cursor, meta.db_table, meta.auto_field.column),
                )
        returned = list(returned)
        for pos, (converters, expression) in compiled.converters.items():
            for converter in converters:
                returned[pos] = converter(returned[pos], expression, connection)
        for field, value in zip(compiled.returning_fields, returned, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using
        return obj

    def _compile(self, obj, using: str) -> _CompiledInsert:
        connection = connections[using]
        meta = self.model._meta
        query = InsertQuery(self.model)
        query.insert_values(self._fields, [obj])
        compiler = query.get_compiler(using=using)
        returning = (
            tuple(meta.db_returning_fields)
            if connection.features.can_return_columns_from_insert
            else (meta.auto_field,)
        )
        compiler.returning_fields = (
            list(returning) if connection.features.can_return_columns_from_insert else None
        )
        [(sql, _)] = compiler.as_sql()
        compiled = _CompiledInsert(
            # Every value is a column's: planned once per connection on PostgreSQL.
            sql=plan_once(sql, insert=True) if connection.vendor == "postgresql" else sql,
            writers=writers(self._fields, connection),
            returning_params=tuple(getattr(compiler, "returning_params", ())),
            returning_fields=returning,
            converters=compiler.get_converters([f.get_col(meta.db_table) for f in returning]),
        )
        self._compiled[using] = compiled
        return compiled


_TEXT_TYPES = ("CharField", "TextField")


@dataclass(frozen=True)
class Ref:
    """In ``PreparedInserts.create``: the primary key of the ``row``-th row of the same call
    (as the column's type: an id, or the text of one)."""

    row: int


@dataclass(frozen=True)
class _Row:
    fields: tuple  # every column written, in the SQL's order
    refs: tuple[tuple[int, int], ...]  # (position in fields, row referred to)
    sent: tuple  # db_values's writers of the columns whose values are sent (not references)


def _reference(field, referred) -> tuple[str, object]:
    """The attribute and value that make ``field`` refer to the row ``referred``: the row itself
    for a relation, the text of its key for a text column."""
    if field.is_relation:
        return field.name, referred
    return field.attname, field.to_python(referred.pk)


class PreparedInserts:
    """Rows of several models that belong together, inserted in one statement on PostgreSQL:
    an observation, its escalation, the escalation's first event and the audit entry were four
    statements and a transaction's BEGIN and COMMIT, six of an observation POST's eleven.

    ``create(values_0, values_1, ...)`` makes one row of each model given to the constructor,
    in that order, as ``PreparedInsert.create`` would; a value ``Ref(i)`` is the primary key of
    row ``i`` (an earlier one). On PostgreSQL the rows are one ``WITH`` statement of
    ``INSERT ... VALUES ... RETURNING``, a reference being a subquery of the row it refers to,
    compiled once per process for each set of referring columns; it is atomic on its own and
    raises the ``IntegrityError`` of any row. Elsewhere (SQLite), or where ``PreparedInsert``
    would call ``save()`` (receivers, expressions), the rows are created one by one in a
    transaction. Returns the instances, with their primary keys and references set.
    """

    def __init__(self, *models):
        self._one = tuple(PreparedInsert(model) for model in models)
        self._compiled: dict[tuple, tuple[str, tuple[_Row, ...]]] = {}

    def create(self, *rows: dict, using: str = "default") -> list:
        if len(rows) != len(self._one):
            raise TypeError(f"expected {len(self._one)} rows, got {len(rows)}")
        connection = connections[using]
        objs, refs = [], []
        for insert, values in zip(self._one, rows, strict=True):
            plain = {k: v for k, v in values.items() if not isinstance(v, Ref)}
            refs.append(tuple(sorted((k, v.row) for k, v in values.items() if isinstance(v, Ref))))
            if any(row >= len(objs) for _, row in refs[-1]):
                raise ValueError("a row can refer only to an earlier row")
            objs.append(insert.model(**plain))
        if connection.vendor != "postgresql" or not all(
            insert.inserts_plainly(obj, rows[i])
            for i, (insert, obj) in enumerate(zip(self._one, objs, strict=True))
        ):
            return self._one_by_one(rows, refs, using)
        key = (using, tuple(refs))
        sql, shape = self._compiled.get(key) or self._compile(key, refs, using)
        params = []
        for row, obj in zip(shape, objs, strict=True):
            params.extend(db_values(row.sent, obj, connection))
        # One statement is atomic on its own; inside a caller's transaction it gets a savepoint,
        # as atomic() would, so that an IntegrityError leaves that transaction usable.
        atomic = transaction.atomic(using) if connection.in_atomic_block else nullcontext()
        with atomic, connection.cursor() as cursor:
            cursor.execute(sql, params)
            pks = cursor.fetchone()
        for obj, pk in zip(objs, pks, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = using
        for row, obj in zip(shape, objs, strict=True):
            for pos, referred in row.refs:
                # A relation is set to the row (and a one-to-one's reverse with it).
                setattr(obj, *_reference(row.fields[pos], objs[referred]))
        return objs

    def _one_by_one(self, rows, refs, using: str) -> list:
        objs = []
        with transaction.atomic(using=using):
            for insert, values, row_refs in zip(self._one, rows, refs, strict=True):
                values = dict(values)
                for name, referred in row_refs:
                    del values[name]
                    attribute, value = _reference(
                        insert.model._meta.get_field(name), objs[referred]
                    )
                    values[attribute] = value
                objs.append(insert.create(using=using, **values))
        return objs

    def _compile(self, key, refs, using: str):
        q = connections[using].ops.quote_name
        shape, parts = [], []
        for i, (insert, row_refs) in enumerate(zip(self._one, refs, strict=True)):
            meta = insert.model._meta
            fields = insert.fields
            by_position = {}
            for name, referred in row_refs:
                field = meta.get_field(name)
                if not field.is_relation and field.get_internal_type() not in _TEXT_TYPES:
                    raise ValueError(f"{name}: a reference is a relation or the text of an id")
                by_position[fields.index(field)] = referred
            values = []
            for pos, field in enumerate(fields):
                if pos not in by_position:
                    values.append("%s")
                    continue
                n = by_position[pos]
                pk = f"r{n}.{q(self._one[n].model._meta.pk.column)}"
                pk = pk if field.is_relation else f"CAST({pk} AS text)"
                values.append(f"(SELECT {pk} FROM r{n})")  # noqa: S608
            # Tables and columns from the models; every value is sent apart.
            columns = ", ".join(q(f.column) for f in fields)
            values_sql = ", ".join(values)
            insert_sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({values_sql})"  # noqa: S608
            parts.append(f"r{i} AS ({insert_sql} RETURNING {q(meta.pk.column)})")
            sent = writers(
                (f for pos, f in enumerate(fields) if pos not in by_position), connections[using]
            )
            shape.append(_Row(fields, tuple(sorted(by_position.items())), sent))
        pks = ", ".join(
            f"r{i}.{q(insert.model._meta.pk.column)}" for i, insert in enumerate(self._one)
        )
        names = ", ".join(f"r{i}" for i in range(len(parts)))
        sql = plan_once(f"WITH {', '.join(parts)} SELECT {pks} FROM {names}", insert=True)  # noqa: S608
        compiled = self._compiled[key] = (sql, tuple(shape))
        return compiled
