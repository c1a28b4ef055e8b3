"""The ids API Gateway gives a request, in AWS's shapes: the request id (a UUID), the
extended request id (15 base64 characters and ``=``), CloudFront's ``Via`` and
``X-Amz-Cf-Id``, X-Ray's ``X-Amzn-Trace-Id``.

They identify a request; they protect nothing. So they come from the runtime's private
generator (``lablib.runtime.ids``) rather than from ``uuid.uuid4``: that reads ``os.urandom``
on every call, which drops and retakes the GIL (six times a request, on a server whose other
threads are busy with the same request).
"""

from __future__ import annotations

import base64

from lablib.runtime.ids import generator as _random
from lablib.runtime.ids import trace_root

# The UUID version-4 bits: version nibble 4, variant bits 10 (as uuid.uuid4 sets them).
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_SET = (0x4000 << 64) | (0x8000 << 48)


def request_id() -> str:
    """A random (version 4) UUID, e.g. ``c6af9ac6-7b61-4f8b-9c2e-5a0d3e1f2b7c``."""
    text = f"{_random.getrandbits(128) & _CLEAR | _SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def extended_request_id() -> str:
    """AWS's extendedRequestId: its own id (not the requestId), e.g. ``dGVzdGluZ3Rlc3Q=``."""
    return base64.b64encode(_random.randbytes(11)).decode()[:15] + "="


def cloudfront_via() -> str:
    """The ``Via`` header CloudFront adds in front of an edge-optimized API."""
    return f"1.1 {_random.getrandbits(128):032x}.cloudfront.net (CloudFront)"


def cloudfront_id() -> str:
    """``X-Amz-Cf-Id``: 56 URL-safe base64 characters."""
    return base64.urlsafe_b64encode(_random.randbytes(42)).decode()


def trace_id() -> str:
    """``X-Amzn-Trace-Id`` as API Gateway adds it: ``Root=1-{8 hex}-{24 hex}``, the first part
    the request's time in epoch seconds (X-Ray's trace id format), the second random."""
    return trace_root()
