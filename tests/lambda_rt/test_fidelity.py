"""The fidelity matrix covers every parameter of the operations it lists, and ignored
parameters are loud: a warning by default, a named error with LABLIB_STRICT=1."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from lablib.aws import fidelity

MODEL_NAMES = {"lambda": "lambda"}
# Operations the labs call whose parameters lablib itself handles (moto covers the rest).
REQUIRED = {
    "lambda": [
        "CreateFunction", "UpdateFunctionConfiguration", "UpdateFunctionCode", "Invoke",
        "PublishVersion", "CreateAlias", "UpdateAlias", "PutFunctionConcurrency",
        "PutFunctionEventInvokeConfig", "PublishLayerVersion",
    ],
}  # fmt: skip


def test_every_parameter_is_classified() -> None:
    session = botocore.session.get_session()
    matrix = fidelity.load()
    unclassified = []
    for service, operations in REQUIRED.items():
        model = session.get_service_model(MODEL_NAMES.get(service, service))
        for operation in operations:
            assert operation in matrix[service], f"{service} {operation} missing from the matrix"
            for member in model.operation_model(operation).input_shape.members:
                if member not in matrix[service][operation]:
                    unclassified.append(f"{service}.{operation}.{member}")
    assert not unclassified, (
        "parameters neither honoured, listed as ignored, nor rejected: "
        + ", ".join(unclassified)
        + " (add them to lablib/aws/fidelity.yaml)"
    )


def test_every_approximation_says_how() -> None:
    for row in fidelity.rows():
        if row.status in ("approximated", "ignored"):
            assert row.how, f"{row.service}.{row.operation}.{row.parameter} needs a 'how'"


def test_cli_prints_the_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lablib", "fidelity"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "| lambda | CreateFunction | TracingConfig | ignored |" in result.stdout


def test_ignored_parameter_warns_then_strict_refuses(
    make_function: Any, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    make_function("def handler(e, c):\n    pass\n", TracingConfig={"Mode": "Active"})
    assert "TracingConfig is accepted but not simulated" in capfd.readouterr().err
    monkeypatch.setenv("LABLIB_STRICT", "1")
    with pytest.raises(ClientError) as info:
        make_function("def handler(e, c):\n    pass\n", TracingConfig={"Mode": "Active"})
    message = info.value.response["Error"]["Message"]
    assert "TracingConfig" in message and "not simulated" in message
