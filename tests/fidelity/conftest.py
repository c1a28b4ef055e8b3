"""A local AWS for the fidelity tests (boto3 only)."""

from __future__ import annotations

import pytest

from lablib.aws import fidelity
from tests.support import running_aws

aws = pytest.fixture(scope="package", name="aws")(running_aws)


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the first warning of a kind again (warnings are once per process)."""
    monkeypatch.setattr(fidelity, "_warned", set())
    monkeypatch.delenv("LABLIB_STRICT", raising=False)
