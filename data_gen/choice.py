"""Weighted choices: the tables a recipe is drawn from, which `data_gen.lengths` also enumerates."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterable


class Choice:
    """Weighted options; calling it with an rng draws one (without using the rng if only one)."""

    __slots__ = ("values", "weights", "_cumulative", "_total")

    def __init__(self, weighted: dict | Iterable[tuple]):
        items = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
        self.values = tuple(v for v, _ in items)
        self.weights = tuple(w for _, w in items)
        if not self.values or min(self.weights) <= 0:
            raise ValueError(f"bad choice {items}")
        self._cumulative = list(itertools.accumulate(self.weights))
        self._total = self._cumulative[-1]

    def __call__(self, rng: random.Random):
        if len(self.values) == 1:
            return self.values[0]
        i = bisect.bisect_right(self._cumulative, rng.random() * self._total)
        return self.values[min(i, len(self.values) - 1)]
