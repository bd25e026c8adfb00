"""Exact arithmetic for the formulas of instrument versions."""

from __future__ import annotations

from fractions import Fraction


def round_half_up(value: Fraction | int) -> int:
    """`floor(x + 0.5)` on an exact value: `floor((2n + d) / 2d)` for `x = n / d`.

    Exact fractions, so a half always rounds up (62.5 gives 63) whatever binary floats would
    make of it.
    """
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)
