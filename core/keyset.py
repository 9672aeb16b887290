"""Keyset ("seek") pagination: the next page starts after the last row's sort key, not at an OFFSET.

A page is found through the index of its ordering however deep it lies, and rows inserted above
it while someone pages do not shift it (OFFSET would show a row twice or skip one). The ordering
is a tuple of ``Key``; it must end with a unique field (``pk``) so that every row has its place.
A cursor is the key values of one row, encoded for a URL; ``after_q`` selects the rows that
follow it, ``reverse`` turns the ordering round for the page before it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q
from django.db.models.expressions import OrderBy
from django.utils import timezone


@dataclass(frozen=True)
class Key:
    """One sort field. ``nulls_last`` is None for a field that is never NULL, else where NULLs go."""

    field: str
    descending: bool = False
    nulls_last: bool | None = None
    kind: str = "int"  # "int" or "datetime": how a cursor's value is read back

    def order(self) -> OrderBy:
        expression = F(self.field)
        if self.nulls_last is None:
            return expression.desc() if self.descending else expression.asc()
        # Django takes True or None for each (None: the database's default place).
        nulls = {"nulls_last": True} if self.nulls_last else {"nulls_first": True}
        return expression.desc(**nulls) if self.descending else expression.asc(**nulls)

    def reverse(self) -> Key:
        nulls = None if self.nulls_last is None else not self.nulls_last
        return Key(self.field, not self.descending, nulls, self.kind)

    def beyond(self, value: Any) -> Q | None:
        """Rows strictly after ``value`` in this key's order (None: there are none)."""
        if value is None:
            if self.nulls_last is None or self.nulls_last:
                return None
            return Q(**{f"{self.field}__isnull": False})
        q = Q(**{f"{self.field}__{'lt' if self.descending else 'gt'}": value})
        if self.nulls_last:
            q |= Q(**{f"{self.field}__isnull": True})
        return q

    def equal(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.field}__isnull": True})
        return Q(**{self.field: value})


def order_by(keys: Sequence[Key]) -> list[OrderBy]:
    return [key.order() for key in keys]


def reverse(keys: Sequence[Key]) -> tuple[Key, ...]:
    return tuple(key.reverse() for key in keys)


def after_q(keys: Sequence[Key], values: Sequence[Any]) -> Q:
    """Rows that come strictly after the row with ``values`` in the order ``keys``."""
    q = Q(pk__in=[])
    same = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = key.beyond(value)
        if beyond is not None:
            q |= same & beyond
        same &= key.equal(value)
    return q


def values_of(row: Any, keys: Sequence[Key]) -> list[Any]:
    return [getattr(row, key.field) for key in keys]


def encode(keys: Sequence[Key], values: Sequence[Any]) -> str:
    plain = [value.isoformat() if isinstance(value, dt.datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode(keys: Sequence[Key], cursor: str) -> list[Any]:
    """The key values in ``cursor``; ``ValueError`` if it is not a cursor of this ordering."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(cursor) from error
    if not isinstance(plain, list) or len(plain) != len(keys):
        raise ValueError(cursor)
    values: list[Any] = []
    for key, value in zip(keys, plain, strict=True):
        if value is None and key.nulls_last is not None:
            values.append(None)
        elif key.kind == "datetime" and isinstance(value, str):
            moment = dt.datetime.fromisoformat(value)
            if timezone.is_naive(moment):
                raise ValueError(cursor)
            values.append(moment)
        elif key.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            values.append(value)
        else:
            raise ValueError(cursor)
    return values
