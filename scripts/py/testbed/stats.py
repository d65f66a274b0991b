"""Small statistics for comparing runs without SciPy: the Mann-Whitney U test (exact for
small samples, normal approximation with tie correction otherwise), as Google
Benchmark's tools/compare.py uses for its repetitions."""

from __future__ import annotations

import math
from functools import lru_cache


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1  # average rank of a tie group
        i = j + 1
    return ranks


@lru_cache(maxsize=None)
def _u_counts(n1: int, n2: int) -> tuple[int, ...]:
    """How many arrangements of n1 + n2 distinct values give each U from 0 to n1*n2."""
    # f(a, b)[u]: arrangements of a values of x and b of y with statistic u (recursive on
    # whether the largest value is an x, which adds b to U, or a y).
    if n1 == 0 or n2 == 0:
        return (1,)
    with_x = _u_counts(n1 - 1, n2)
    with_y = _u_counts(n1, n2 - 1)
    out = [0] * (n1 * n2 + 1)
    for u, c in enumerate(with_x):
        out[u + n2] += c
    for u, c in enumerate(with_y):
        out[u] += c
    return tuple(out)


def mann_whitney_u(x: list[float], y: list[float]) -> tuple[float, float]:
    """(U of x, two-sided p-value) for the hypothesis that x and y come from one distribution."""
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    ranks = _ranks(list(x) + list(y))
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    ties = len(set(x) | set(y)) < n1 + n2
    if not ties and n1 * n2 <= 400:
        counts = _u_counts(n1, n2)
        total = sum(counts)
        u_low = min(u1, n1 * n2 - u1)
        tail = sum(counts[: int(math.floor(u_low)) + 1]) / total
        return u1, min(1.0, 2 * tail)
    mean = n1 * n2 / 2
    n = n1 + n2
    tie_sizes = {}
    for v in list(x) + list(y):
        tie_sizes[v] = tie_sizes.get(v, 0) + 1
    tie_term = sum(t ** 3 - t for t in tie_sizes.values()) / (n * (n - 1))
    var = n1 * n2 / 12 * ((n + 1) - tie_term)
    if var <= 0:
        return u1, 1.0
    z = (abs(u1 - mean) - 0.5) / math.sqrt(var)  # continuity correction
    p = math.erfc(max(z, 0) / math.sqrt(2))
    return u1, min(1.0, p)
