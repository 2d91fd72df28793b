"""Closed-form queueing results the model must reproduce (computed here, independently of the model)."""

from __future__ import annotations

import math


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c (Erlang C): P(wait) / (c mu - lambda)."""
    a = lam / mu
    rho = a / c
    if rho >= 1:
        raise ValueError(f"unstable: utilisation {rho}")
    terms = [a**k / math.factorial(k) for k in range(c)]
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(terms) + top)
    return p_wait / (c * mu - lam)


def erlang_a(lam: float, mu: float, c: int, theta: float, tol: float = 1e-15) -> tuple[float, float]:
    """M/M/c+M (Erlang A) by its birth-death chain: (share that abandons, mean wait in queue).

    States n = 0, 1, ...: birth rate lambda, death rate mu min(n, c) + theta max(n - c, 0). The
    infinite sum is truncated once the terms fall below ``tol`` of the total. The mean wait is over all
    arrivals, until service starts or they abandon: E[W] = L_q / lambda; P(abandon) = theta L_q / lambda.
    """
    probs = [1.0]
    n = 0
    while True:
        n += 1
        death = mu * min(n, c) + theta * max(n - c, 0)
        probs.append(probs[-1] * lam / death)
        if n > c and probs[-1] < tol * sum(probs):
            break
    total = sum(probs)
    lq = sum((k - c) * p for k, p in enumerate(probs) if k > c) / total
    return theta * lq / lam, lq / lam
