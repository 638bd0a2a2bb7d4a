"""Exact decimals stored as scaled integers: money in cents, unit prices in millionths, quantities in 1/10000.

Why: Tortoise keeps DecimalField as VARCHAR on SQLite, so SQL sorts "100.00" before "20.00" and can't sum; an
integer column sorts, indexes and sums correctly on SQLite and PostgreSQL alike, and never rounds on save (a value
with more decimals than the scale is refused instead of silently rounded).
"""
from decimal import Decimal
from typing import Any

from pypika_tortoise import functions as sql
from tortoise import fields
from tortoise.functions import Sum


class FixedDecimalField(fields.BigIntField):
    """A Decimal with `scale` decimal places, stored as the integer value x 10**scale."""

    def __init__(self, scale: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.factor = Decimal(10) ** scale
        self.quant = Decimal(1).scaleb(-scale)

    def to_db_value(self, value: Any, instance: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError(f'{self.model_field_name}: floats are not money, use Decimal')
        value = Decimal(value)
        scaled = value * self.factor
        if scaled != scaled.to_integral_value():
            raise ValueError(f'{self.model_field_name}: {value} has more than {self.scale} decimal places')
        return int(scaled)

    def to_python_value(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return (Decimal(int(value)) / self.factor).quantize(self.quant)


def MoneyField(**kwargs: Any) -> FixedDecimalField:  # noqa: N802 - reads like a field class in models
    """Euros and cents."""
    return FixedDecimalField(scale=2, **kwargs)


class _BigintSum(sql.Cast):
    def __init__(self, term: Any, alias: str | None = None) -> None:
        super().__init__(sql.Sum(term), 'BIGINT', alias=alias)


class ScaledSum(Sum):
    """`Sum` for FixedDecimalField columns: `annotate(total=ScaledSum('amount'))` gives an exact Decimal.

    Why: PostgreSQL returns SUM(bigint) as numeric, which would reach the field unscaled (x100 for money);
    casting back to BIGINT makes every driver return an integer that the field scales like a column value.
    """

    database_func = _BigintSum


def summed_money(value: Any) -> Decimal:
    """A `ScaledSum` of a money column as `values()` returns it: None for no row, cents as an integer on some
    drivers, a Decimal on others; always euros and cents."""
    if value is None:
        return Decimal('0.00')
    return value if isinstance(value, Decimal) else (Decimal(int(value)) / 100).quantize(Decimal('0.01'))
