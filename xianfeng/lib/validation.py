"""Model validation for bulk writers: what ``full_clean`` checks, with each field's check of a value
done once per import instead of once per row.

``Field.clean(value)`` (to_python, choices, blank/null, the field's validators) is a pure function
of the field and the value for every field type except relations, whose check queries the
database; bulk writers exclude those after resolving them from rows they have loaded. A value that
repeats down a column (a category, a date, a default) is then checked once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import DatabaseDefault

Memo = dict[tuple[Any, ...], Any]


def _key(f: models.Field, value: Any) -> tuple[Any, ...] | None:
    """The memo key of a value: the field (fields live as long as the process), the value's type
    (True == 1) and, for a Decimal, its text (1.0 == 1.000, but a DecimalField's digit checks tell
    them apart); None for values that cannot be keys."""
    if value.__class__ is Decimal:
        return (id(f), Decimal, str(value))
    try:
        hash(value)
    except TypeError:
        return None
    return (id(f), value.__class__, value)


def _bounds(f: models.Field, allowed: tuple[type, ...]) -> tuple[Any, Any] | None:
    """(lowest, highest) allowed by the field's validators if those are only min/max checks with
    fixed limits (and the ``allowed`` others); None if any validator is something else."""
    low = high = None
    for v in f.validators:
        if type(v) is validators.MinValueValidator and not callable(v.limit_value):
            low = v.limit_value if low is None else max(low, v.limit_value)
        elif type(v) is validators.MaxValueValidator and not callable(v.limit_value):
            high = v.limit_value if high is None else min(high, v.limit_value)
        elif type(v) not in allowed:
            return None
    return low, high


def _acceptor(f: models.Field) -> Callable[[Any], bool] | None:
    """A quick test of a non-empty value that ``f.clean`` would certainly accept and return
    unchanged (same type, same digits), for the common field types with only the stock
    validators; None where there is none (such values go through ``f.clean``). A value the test
    does not accept still goes through ``f.clean``, which gives the exact error."""
    if f.choices:
        return None
    kind = type(f)
    if kind in (models.CharField, models.TextField):
        limit = f.max_length or 0
        allowed = (validators.MaxLengthValidator, validators.ProhibitNullCharactersValidator)
        if any(type(v) not in allowed for v in f.validators):
            return None
        return lambda v: v.__class__ is str and (not limit or len(v) <= limit) and "\x00" not in v
    if kind in (
        models.IntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.SmallIntegerField,
        models.BigIntegerField,
    ):
        bounds = _bounds(f, ())
        if bounds is None:
            return None
        low, high = bounds
        return lambda v: v.__class__ is int and (low is None or v >= low) and (high is None or v <= high)
    if kind is models.DecimalField:
        bounds = _bounds(f, (validators.DecimalValidator,))
        if (
            bounds is None
            or f.max_digits is None
            or f.decimal_places is None
            or f.max_digits <= f.decimal_places
        ):
            return None
        low, high = bounds
        places = f.decimal_places
        whole = Decimal(10) ** (f.max_digits - places)  # |value| below this: few enough digits

        def decimal_ok(v: Any) -> bool:
            return (
                v.__class__ is Decimal
                and v.is_finite()
                and -whole < v < whole
                and v.as_tuple().exponent >= -places
                and (low is None or v >= low)
                and (high is None or v <= high)
            )

        return decimal_ok
    if kind is models.DateField and not f.validators:
        return lambda v: v.__class__ is dt.date
    return None


_ACCEPTORS: dict[int, tuple[models.Field, Callable[[Any], bool] | None]] = {}


def full_clean_cached(instance: models.Model, *, exclude: list[str] | set[str], memo: Memo) -> None:
    """``instance.full_clean(exclude, validate_unique=False, validate_constraints=False)``: the same
    errors, the same cleaned values set on the instance. ``exclude`` must name every relation."""
    excluded = set(exclude)
    errors: dict[str, list[ValidationError]] = {}
    for f in instance._meta.fields:
        if f.name in excluded or f.generated:
            continue
        if f.is_relation:  # pragma: no cover - a programming error, not bad input
            raise ValueError(f"full_clean_cached: exclude the relation {f.name}")
        raw = getattr(instance, f.attname)
        if f.blank and raw in f.empty_values:
            continue
        if isinstance(raw, DatabaseDefault):
            continue
        known = _ACCEPTORS.get(id(f))
        if known is None or known[0] is not f:
            known = _ACCEPTORS[id(f)] = (f, _acceptor(f))
        if known[1] is not None and raw not in f.empty_values and known[1](raw):
            continue  # what f.clean would accept and return unchanged
        key = _key(f, raw)
        if key is not None:
            hit = memo.get(key, memo)
            if hit is not memo:
                if hit.__class__ is ValidationError:
                    errors[f.name] = hit.error_list
                else:
                    setattr(instance, f.attname, hit)
                continue
        try:
            cleaned = f.clean(raw, instance)
        except ValidationError as exc:
            errors[f.name] = exc.error_list
            if key is not None:
                memo[key] = exc
            continue
        if key is not None:
            memo[key] = cleaned
        setattr(instance, f.attname, cleaned)
    result: dict[str, Any] = {}
    if errors:
        result = ValidationError(errors).update_error_dict(result)
    try:
        instance.clean()
    except ValidationError as exc:
        result = exc.update_error_dict(result)
    if result:
        raise ValidationError(result)
