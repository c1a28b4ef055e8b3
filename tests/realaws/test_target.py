"""Real AWS on purpose: refused without a confirmation naming account and region (the STS
lookup is replaced, or answered by the local AWS; nothing reaches real AWS)."""

from __future__ import annotations

import boto3
import pytest

import lablib
from lablib.aws import target
from lablib.aws.guard import is_loopback
from lablib.aws.server import LocalAWS

ACCOUNT = "210987654321"


@pytest.fixture
def fake_sts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, str]]:
    calls: list[tuple[str | None, str]] = []

    def lookup(profile: str | None, region: str) -> str:
        calls.append((profile, region))
        return ACCOUNT

    monkeypatch.setattr(target, "sts_account", lookup)
    # a confirmed start tags boto3's default session: put back the one before the test
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.DEFAULT_SESSION)
    monkeypatch.delenv(target.CONFIRM_ENV, raising=False)
    monkeypatch.delenv(target.TARGET_ENV, raising=False)
    return calls


def test_refuses_without_confirmation(fake_sts: list[tuple[str | None, str]]) -> None:
    with pytest.raises(target.ConfirmationRequired) as info:
        lablib.start(target="aws", region="eu-west-1")
    message = str(info.value)
    assert f"confirm='{ACCOUNT}/eu-west-1'" in message
    assert f"LABLIB_CONFIRM_AWS={ACCOUNT}/eu-west-1" in message
    assert "nothing was confirmed" in message
    assert fake_sts == [(None, "eu-west-1")]


def test_refuses_a_confirmation_of_another_account_or_region(
    fake_sts: list[tuple[str | None, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(target.ConfirmationRequired, match="given was '123456789012/eu-west-1'"):
        lablib.start(target="aws", region="eu-west-1", confirm="123456789012/eu-west-1")
    monkeypatch.setenv(target.CONFIRM_ENV, f"{ACCOUNT}/us-east-1")
    with pytest.raises(target.ConfirmationRequired, match=f"{ACCOUNT}/eu-west-1"):
        lablib.start(target="aws", region="eu-west-1")


def test_env_target_needs_confirmation_too(
    fake_sts: list[tuple[str | None, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(target.TARGET_ENV, "aws")
    with pytest.raises(target.ConfirmationRequired):
        lablib.start()
    monkeypatch.setenv(target.CONFIRM_ENV, f"{ACCOUNT}/us-east-1")
    monkeypatch.setenv(target.LAB_ENV, "lambda-invocation")
    real = lablib.start()
    assert isinstance(real, target.RealAWS)
    assert (real.account, real.region, real.lab) == (ACCOUNT, "us-east-1", "lambda-invocation")


def test_confirmed_by_parameter(fake_sts: list[tuple[str | None, str]]) -> None:
    real = lablib.start(target="aws", confirm=f"{ACCOUNT}/us-east-1", lab="api-gateway")
    assert (real.account, real.lab, real.endpoint) == (ACCOUNT, "api-gateway", None)


def test_unknown_target() -> None:
    with pytest.raises(ValueError, match="target must be one of local, aws"):
        lablib.start(target="gcp")  # type: ignore[call-overload]


def test_default_lookup_asks_sts(aws: LocalAWS) -> None:
    # the local AWS's environment points boto3 at 127.0.0.1: its STS answers, not AWS
    import os

    assert is_loopback(os.environ["AWS_ENDPOINT_URL"])
    assert target.sts_account(None, aws.region) == "123456789012"
