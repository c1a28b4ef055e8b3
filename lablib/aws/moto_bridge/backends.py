"""A cheap, reset-safe way to moto's backend of one service in one account and region.

``lambda_backends[account][region]`` costs about 15 us in moto: every ``BackendDict``
lookup takes a lock, lists its keys and scans the list of every service's backends (calling
``__eq__`` on each). The hot paths (Invoke, a stage URL request, their telemetry) ask several
times a request, so the region backend is kept here. moto's reset clears each ``BackendDict``
(new account objects are made on the next lookup) and resets region backends in place, so an
entry is good while its account object is still the one in the ``BackendDict``.
"""

from __future__ import annotations

from typing import Any

_cache: dict[tuple[int, str, str], tuple[Any, Any]] = {}


def region_backend(backends: Any, account: str, region: str) -> Any:
    """``backends[account][region]``, as moto would answer it, without moto's lookup cost."""
    key = (id(backends), account, region)
    hit = _cache.get(key)
    if hit is not None and dict.get(backends, account) is hit[0]:
        return hit[1]
    per_account = backends[account]
    backend = per_account[region]
    _cache[key] = (per_account, backend)
    return backend
