"""Each declared Python runtime runs on its own interpreter (with its own boto3), and a
version that is not installed falls back to lablib's own interpreter, loudly."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lablib import cli
from lablib.aws.server import LocalAWS
from lablib.runtime import pythons
from tests.support import NO_RETRY, running_aws, zip_of

FOUND = [v for v in pythons.VERSIONED if not isinstance(pythons.find(v), str)]
# PEP 701 (Python 3.12): the same quotes inside an f-string's replacement field.
PEP701 = 'def handler(event, context):\n    return f"{"-".join(["a", "b"])}"\n'
VERSION = (
    "import sys, boto3\n"
    "def handler(event, context):\n"
    "    return {'version': list(sys.version_info[:3]), 'boto3': boto3.__version__,\n"
    "            'boto3_path': boto3.__file__, 'executable': sys.executable}\n"
)

aws = pytest.fixture(scope="module", name="aws")(running_aws)


@pytest.fixture(scope="module")
def lam(aws: LocalAWS) -> Any:
    return aws.client("lambda", config=NO_RETRY)


@pytest.fixture(scope="module")
def role(aws: LocalAWS) -> str:
    arn: str = aws.client("iam").create_role(
        RoleName="versions-role", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    return arn


def deploy(lam: Any, role: str, runtime: str, code: str, **extra: Any) -> str:
    name = f"v-{uuid.uuid4().hex[:10]}"
    lam.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": code})},
        **extra,
    )
    return name


def invoke(lam: Any, name: str) -> tuple[dict[str, Any], Any, str]:
    """The reply, its payload, and the function's whole log so far (init errors included)."""
    reply = lam.invoke(FunctionName=name, Payload=b"{}")
    body = json.loads(reply["Payload"].read() or b"null")
    logs = boto3.client(
        "logs",
        endpoint_url=lam.meta.endpoint_url,
        region_name=lam.meta.region_name,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return reply, body, "\n".join(e["message"] for e in events)


def test_this_machine_has_several_pythons() -> None:
    """The version tests below need at least two Pythons (CI installs 3.11, 3.12 and 3.13)."""
    assert len(FOUND) >= 2, FOUND


@pytest.mark.parametrize("version", FOUND)
def test_handler_runs_on_the_declared_version(lam: Any, role: str, version: str) -> None:
    name = deploy(lam, role, f"python{version}", VERSION)
    reply, body, log = invoke(lam, name)
    assert "FunctionError" not in reply, body
    assert ".".join(map(str, body["version"][:2])) == version
    assert body["boto3"] == pythons.PACKAGES[0].split("==")[1]
    full = ".".join(map(str, body["version"]))
    assert f"INIT_START Runtime Version: python:{version}.v1" in log
    assert f"lablib-local-python{full}" in log
    if version != pythons.HOST:  # its own environment, not lablib's
        assert body["boto3_path"].startswith(str(pythons.runtimes_dir() / f"python{version}"))
        assert "declares" not in log


def test_pep701_fstring_runs_on_312_and_fails_clearly_on_311(lam: Any, role: str) -> None:
    assert {"3.11", "3.12"} <= set(FOUND)
    ok, body, _ = invoke(lam, deploy(lam, role, "python3.12", PEP701))
    assert "FunctionError" not in ok and body == "a-b"
    bad, error, log = invoke(lam, deploy(lam, role, "python3.11", PEP701))
    assert bad["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'app': ")
    assert "declares" not in error["errorMessage"]  # 3.11 really ran: nothing to excuse
    assert "INIT_START Runtime Version: python:3.11.v1" in log


@pytest.fixture
def no_python_314(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """python3.14 configured to an interpreter that does not exist: it falls back."""
    monkeypatch.setenv("LABLIB_PYTHON_3_14", "/nonexistent/python3.14")
    yield


def test_missing_version_falls_back_loudly_once_per_function(
    lam: Any, role: str, no_python_314: None, capfd: pytest.CaptureFixture[str]
) -> None:
    assert pythons.HOST != "3.14"
    # PEP 750 template strings are Python 3.14 syntax
    name = deploy(lam, role, "python3.14", 'def handler(event, context):\n    return t"hi"\n')
    reply, error, log = invoke(lam, name)
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    message = error["errorMessage"]
    assert f"declares python3.14 but ran on Python {pythons.HOST_FULL}" in message
    assert "lablib runtimes install python3.14" in message
    assert f"INIT_START Runtime Version: python:{pythons.HOST}.v1" in log
    assert f"{name} declares python3.14 but runs on Python {pythons.HOST_FULL}" in log
    # a second cold start of the same function does not repeat the notice
    lam.update_function_configuration(FunctionName=name, Description="again")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    _, _, again = invoke(lam, name)
    assert again.count("INIT_START") == 2
    assert again.count(f"{name} declares python3.14 but runs on") == 1
    out = capfd.readouterr().out
    assert out.count(f"{name} declares python3.14 but runs on Python") == 1


def test_runtimes_command_lists_what_runs_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["runtimes"]) == 0
    out = capsys.readouterr().out
    for version in FOUND:
        line = next(row for row in out.splitlines() if row.startswith(f"python{version} "))
        assert f"Python {version}." in line
    assert f"python{pythons.HOST} " in out and "lablib's own interpreter" in out


def test_each_lablib_version_stages_its_own_runtime_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runtime environments are shared by every lablib on the machine; the runtime client
    copied into one is kept per version, so a second checkout never swaps another's."""
    env_dir = tmp_path / "python3.12"
    first = pythons.stage(env_dir)
    assert pythons.stage(env_dir) == first  # the same version: the same copy
    copied = first / "lablib" / "runtime" / "bootstrap.py"
    assert copied.read_bytes() == (Path(pythons.__file__).parent / "bootstrap.py").read_bytes()

    other_tree = tmp_path / "other" / "runtime"
    shutil.copytree(Path(pythons.__file__).parent, other_tree)
    (other_tree / "bootstrap.py").write_text("# another lablib version\n")
    monkeypatch.setattr(pythons, "_RUNTIME_FILES", other_tree)
    second = pythons.stage(env_dir)
    assert second != first
    staged = (second / "lablib" / "runtime" / "bootstrap.py").read_text()
    assert staged == "# another lablib version\n"
    assert copied.read_bytes() == (Path(pythons.__file__).parent / "bootstrap.py").read_bytes()
