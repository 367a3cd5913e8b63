"""Querysets compiled to SQL once per database, then run with each request's values.

Django builds and compiles a queryset's SQL every time one is evaluated. For a statement with
joins and subqueries that is most of its CPU: the room list took 5.3 ms to compile and 0.26 to
run. The few statements that every client runs as it connects (its room list, a room's latest
messages, its membership) are compiled here once, for stand-in values, and each run puts its
own values where the stand-ins were in the parameters. Rows become model instances as the
ORM makes them: select_related() objects attached, annotations converted, prefetch_related()
lookups fetched.

Relies on Django's SQL compiler as 5.2 has it: the query iterables (of instances, and of
values() dicts) ask the query for its compiler, execute_sql() takes the statement from
as_sql(), and the rows' shape comes from what as_sql() set on the compiler. Checked at import
(IncompatibleDjango).
"""

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import django
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesIterable
from django.db.models.sql.compiler import SQLCompiler

# What a precompiled queryset may yield: instances, or values() dicts.
ITERABLES = (ModelIterable, ValuesIterable)
# The compiler's state that execute_sql() and the query iterable read after as_sql() set it.
COMPILER_STATE_RELIED_ON = ("select", "klass_info", "annotation_col_map", "col_count")


class IncompatibleDjango(ImportError):
    """The installed Django runs a queryset otherwise than core/precompiled.py relies on."""

    def __init__(self, missing: str):
        super().__init__(
            f"core/precompiled.py relies on Django 5.2's SQL compiler, and Django "
            f"{django.get_version()} differs in {missing!r}. Install the versions in uv.lock "
            "(`uv sync --frozen`), or adapt core/precompiled.py to this Django."
        )
        self.missing = missing


def check_django() -> None:
    """Raise IncompatibleDjango unless the compiler calls and state relied on are there."""
    iterating = set(ModelIterable.__iter__.__code__.co_names)
    iterating_values = set(ValuesIterable.__iter__.__code__.co_names)
    executing = set(SQLCompiler.execute_sql.__code__.co_names)
    iterating_results = set(SQLCompiler.results_iter.__code__.co_names)
    for name, used in [
        ("get_compiler", iterating),
        ("execute_sql", iterating),
        ("get_compiler", iterating_values),
        ("results_iter", iterating_values),
        ("execute_sql", iterating_results),
        ("as_sql", executing),
        ("has_extra_select", executing),
        *((name, iterating | executing) for name in COMPILER_STATE_RELIED_ON),
    ]:
        if name not in used:
            raise IncompatibleDjango(name)


check_django()

# Values no row holds, one per parameter: found by value among the compiled parameters.
_stand_in_numbers = itertools.count(-(2**62), -1)


def stand_in(kind: type) -> int | str:
    """A value of `kind` (int or str) that no request gives: a negative id, or a text
    starting with NUL."""
    number = next(_stand_in_numbers)
    return number if kind is int else f"\x00stand-in {number}"


@dataclass(frozen=True)
class Compiled:
    queryset: QuerySet
    compiler: SQLCompiler
    sql: str
    params: tuple
    # Where each named value goes among the parameters.
    positions: dict[str, tuple[int, ...]]


class Precompiled:
    """`build(**values)`'s queryset of `model`, compiled once per database for stand-ins.

    `kinds` names build's values and their types, int or str (`user=int, key=str`). Each
    value must reach the SQL as a parameter of its own: a filter on None or on a list
    compiles to other SQL. `run()` then evaluates the queryset for the values given,
    optionally limited and offset.
    """

    def __init__(self, model: type[Model], build: Callable[..., QuerySet], **kinds: type):
        self.model = model
        self.build = build
        self.stand_ins = {name: stand_in(kind) for name, kind in kinds.items()}
        self.compiled_for: dict[str, Compiled] = {}

    def compiled(self, alias: str) -> Compiled:
        compiled = self.compiled_for.get(alias)
        if compiled is None:
            compiled = self.compiled_for[alias] = self.compile(alias)
        return compiled

    def compile(self, alias: str) -> Compiled:
        queryset = self.build(**self.stand_ins).using(alias)
        if queryset.model is not self.model or queryset._iterable_class not in ITERABLES:
            raise TypeError(f"precompile a queryset of {self.model.__name__}, or its values()")
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        positions = {
            name: tuple(
                index
                for index, param in enumerate(params)
                # An int subclass too: PostgreSQL's backend wraps a BigIntegerField's values
                # (psycopg's Int8), so that the server reads them as bigint.
                if isinstance(param, type(placeholder)) and param == placeholder
            )
            for name, placeholder in self.stand_ins.items()
        }
        unplaced = [name for name, found in positions.items() if not found]
        if unplaced:
            raise ValueError(f"{unplaced} did not reach the compiled query as parameters")
        return Compiled(queryset, compiler, sql, tuple(params), positions)

    def run(self, limit: int | None = None, offset: int = 0, **values: int | str) -> list:
        """The queryset's instances (or dicts) for `values`, LIMIT `limit` OFFSET `offset` if
        limited."""
        if values.keys() != self.stand_ins.keys():
            # A value left out would run the query for its stand-in, and find nothing.
            raise TypeError(f"run() takes {sorted(self.stand_ins)}, not {sorted(values)}")
        compiled = self.compiled(router.db_for_read(self.model))
        params = list(compiled.params)
        for name, value in values.items():
            for index in compiled.positions[name]:
                params[index] = type(compiled.params[index])(value)  # wrapped as compiled
        sql = compiled.sql
        if limit is not None:
            sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset]
        alias = compiled.queryset.db
        # A compiler of this run's own, on this thread's connection, with the compiled state.
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[alias]
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        queryset = compiled.queryset.all()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)
