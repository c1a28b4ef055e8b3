"""Where the notebook helpers send their calls: the current target (``lablib.start()``'s local
AWS, or the real account ``lablib.start(target="aws")`` confirmed), or else whatever
AWS_ENDPOINT_URL says (a ``lablib serve`` process).

Helpers never touch moto objects; everything goes through boto3 so a notebook runs the same
against ``lablib.start()``, a ``lablib serve`` process, or (deliberately) real AWS. What differs
between a local and a real AWS (the account id, a stage's URL) is answered here, once.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lablib.aws.target import Target

_cache: dict[tuple[str, str, int, int], tuple[object, Any]] = {}
_lock = threading.Lock()


def current() -> Target | None:
    """The running target of ``lablib.start()``, if any."""
    import lablib

    target = lablib._current
    return target if target is not None and target.running else None


def client(service: str, *, pool: int = 10) -> Any:
    """A cached boto3 client for ``service`` (no automatic retries, so throttles show)."""
    target = current()
    if target is not None:
        endpoint = target.endpoint or f"aws:{target.region}"
    else:
        endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
        if not endpoint:
            raise RuntimeError(
                "no local AWS is running in this kernel: run the setup cell "
                "(`aws = lablib.start()`) first"
            )
    # a client belongs to its target: a RealAWS pointed at a local endpoint tags and counts
    key = (service, endpoint, pool, id(target))
    with _lock:
        if key not in _cache:
            from botocore.config import Config

            config = Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                read_timeout=910,
                max_pool_connections=pool,
            )
            if target is not None:
                _cache[key] = (target, target.client(service, config=config))
            else:
                import boto3

                _cache[key] = (None, boto3.client(service, config=config))
        return _cache[key][1]


def account() -> str:
    """The account id of the target (on the local AWS, its fixed one)."""
    target = current()
    if target is not None:
        return target.account
    return str(client("sts").get_caller_identity()["Account"])


def region() -> str:
    """The region of the target (else of boto3's defaults)."""
    target = current()
    if target is not None:
        return target.region
    return str(client("sts").meta.region_name)


def endpoint() -> str | None:
    """The local AWS's URL, or ``None`` on real AWS (its own endpoints)."""
    target = current()
    if target is not None:
        return target.endpoint.rstrip("/") if target.endpoint else None
    return str(client("sts").meta.endpoint_url).rstrip("/")


def stage_url(api_id: str, stage: str, path: str = "/") -> str:
    """The URL of ``path`` on an API Gateway stage: on real AWS
    ``https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/{path}``, on the local AWS
    ``{endpoint}/restapis/{api_id}/{stage}/_user_request_/{path}``."""
    path = "/" + path.lstrip("/")
    local = endpoint()
    if local is None:
        return f"https://{api_id}.execute-api.{region()}.amazonaws.com/{stage}{path}"
    return f"{local}/restapis/{api_id}/{stage}/_user_request_{path}"
