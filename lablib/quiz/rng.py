"""The seeded generator every draw uses, in Python and (identically) in the browser.

``site/javascripts/lablib-draw.js`` holds the same mulberry32 generator, the same Fisher-Yates
shuffle and the same exam draw, so one seed draws one exam in the terminal and in the browser
(tests/quiz/test_draw_js.py runs both and compares).
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")
_MASK = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """JavaScript's Math.imul on unsigned 32-bit values (the low 32 bits of the product)."""
    return (a * b) & _MASK


class Mulberry32:
    """mulberry32: a small 32-bit generator; ``random()`` returns a float in [0, 1)."""

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK

    def random(self) -> float:
        self.state = (self.state + 0x6D2B79F5) & _MASK
        t = self.state
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _MASK
        return ((t ^ (t >> 14)) & _MASK) / 4294967296.0

    def below(self, n: int) -> int:
        """An integer in [0, n) (as ``Math.floor(rand() * n)`` in JavaScript)."""
        return int(self.random() * n)

    def shuffle(self, items: list[T]) -> None:
        """Fisher-Yates in place, from the end (as ``shuffle`` in lablib-draw.js)."""
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
