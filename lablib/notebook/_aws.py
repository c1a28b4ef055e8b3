"""boto3 clients for notebook helpers: the running local AWS, or whatever AWS_ENDPOINT_URL says.

Helpers never touch moto objects; everything goes through boto3 so a notebook runs the same
against ``lablib.start()``, a ``lablib serve`` process, or (deliberately) real AWS.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_cache: dict[tuple[str, str, int], Any] = {}
_lock = threading.Lock()


def client(service: str, *, pool: int = 10) -> Any:
    """A cached boto3 client for ``service`` (no automatic retries, so throttles show)."""
    import lablib

    current = lablib._current
    if current is not None and current.running:
        endpoint = current.endpoint
    else:
        endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
        if not endpoint:
            raise RuntimeError(
                "no local AWS is running in this kernel: run the setup cell "
                "(`aws = lablib.start()`) first"
            )
    key = (service, endpoint, pool)
    with _lock:
        if key not in _cache:
            from botocore.config import Config

            config = Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                read_timeout=910,
                max_pool_connections=pool,
            )
            if current is not None and current.running:
                _cache[key] = current.client(service, config=config)
            else:
                import boto3

                _cache[key] = boto3.client(service, config=config)
        return _cache[key]
