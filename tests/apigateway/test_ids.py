"""The ids a request gets keep AWS's shapes (they come from lablib's own generator)."""

from __future__ import annotations

import re
import time
import uuid

from lablib.apigateway import ids


def test_request_id_is_a_version_4_uuid() -> None:
    drawn = {ids.request_id() for _ in range(2000)}
    assert len(drawn) == 2000
    for text in drawn:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_other_ids_keep_their_shapes() -> None:
    extended = {ids.extended_request_id() for _ in range(500)}
    assert len(extended) == 500
    assert all(re.fullmatch(r"[A-Za-z0-9+/]{15}=", x) for x in extended)
    assert re.fullmatch(r"1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)", ids.cloudfront_via())
    assert re.fullmatch(r"[A-Za-z0-9_-]{56}", ids.cloudfront_id())
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", ids.trace_id())
    assert ids.cloudfront_id() != ids.cloudfront_id()
    assert ids.trace_id() != ids.trace_id()


def test_the_trace_id_starts_with_the_request_time() -> None:
    """X-Ray's trace id format: version 1, the epoch time in seconds (8 hex digits), then 96
    random bits."""
    before = int(time.time())
    _, stamp, _ = ids.trace_id().removeprefix("Root=").split("-")
    assert before <= int(stamp, 16) <= int(time.time())
