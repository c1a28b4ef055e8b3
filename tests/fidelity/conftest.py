"""A local AWS for the fidelity tests (boto3 only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.config import Config

from lablib.aws import fidelity
from lablib.aws.server import LocalAWS

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)


@pytest.fixture(scope="package")
def aws() -> Iterator[LocalAWS]:
    local = LocalAWS().start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the first warning of a kind again (warnings are once per process)."""
    monkeypatch.setattr(fidelity, "_warned", set())
    monkeypatch.delenv("LABLIB_STRICT", raising=False)
