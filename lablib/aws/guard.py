"""The loopback guard: in local mode nothing may reach real AWS by accident."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse


class NotLoopbackError(RuntimeError):
    pass


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback(url: str, what: str = "endpoint") -> str:
    """Return url if it points at this machine, else raise with what to do instead."""
    if not is_loopback(url):
        raise NotLoopbackError(
            f"Refusing to use {what} {url!r}: in local mode lablib only talks to 127.0.0.1 "
            "(the local AWS). Use aws.client(name) without endpoint_url, or, to reach real AWS "
            "on purpose, pass allow_remote=True to aws.client(...) with your own credentials."
        )
    return url
