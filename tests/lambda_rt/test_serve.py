"""`lablib serve` as a process: the contract line, the AWS CLI, clean shutdown, no orphans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support import NO_RETRY, children_of, wait_until, zip_of

ROOT = Path(__file__).resolve().parents[2]


def alive(pids: set[int]) -> set[int]:
    found = set()
    for pid in pids:
        try:  # a process can end between two reads
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if "zombie" not in status.lower():
            found.add(pid)
    return found


@pytest.fixture
def served(tmp_path: Path) -> Any:
    with (tmp_path / "serve.err").open("w") as errors:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lablib", "serve"],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=ROOT,
        )
    assert proc.stdout is not None
    line = proc.stdout.readline().rstrip("\n")
    yield proc, line
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def test_serve_contract_cli_and_clean_exit(served: Any, tmp_path: Path) -> None:
    proc, line = served
    assert line.startswith("AWS_ENDPOINT_URL=http://127.0.0.1:")
    endpoint = line.split("=", 1)[1]
    port = int(endpoint.rsplit(":", 1)[1])
    assert 0 < port < 65536
    session = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
    )
    iam = session.client("iam", endpoint_url=endpoint)
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = session.client("lambda", endpoint_url=endpoint, config=NO_RETRY)
    lam.create_function(
        FunctionName="hello",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": "def handler(e, c):\n    return {'hi': e}\n"})},
    )
    # The AWS CLI works against it.
    out = tmp_path / "out.json"
    env = dict(
        os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1"
    )
    aws_cli = Path(sys.executable).parent / "aws"
    result = subprocess.run(
        [
            str(aws_cli),
            "--endpoint-url",
            endpoint,
            "lambda",
            "invoke",
            "--function-name",
            "hello",
            "--payload",
            '{"x": 1}',
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["StatusCode"] == 200
    assert json.loads(out.read_text()) == {"hi": {"x": 1}}
    # Start several environments, then stop: exit 0, nothing left behind.
    threads = [
        threading.Thread(target=lam.invoke, kwargs={"FunctionName": "hello"}) for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    descendants = children_of(proc.pid)
    assert len(descendants) >= 2  # the zygote and at least one environment
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    wait_until(lambda: not alive(descendants), what="no environment left behind")


def test_killed_server_leaves_no_workers(served: Any) -> None:
    proc, line = served
    endpoint = line.split("=", 1)[1]
    session = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
    )
    role = session.client("iam", endpoint_url=endpoint).create_role(
        RoleName="r", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    lam = session.client("lambda", endpoint_url=endpoint, config=NO_RETRY)
    lam.create_function(
        FunctionName="f",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": "def handler(e, c):\n    return 1\n"})},
    )
    lam.invoke(FunctionName="f")
    descendants = children_of(proc.pid)
    assert descendants
    proc.kill()  # no chance to clean up: the zygote notices its closed stdin
    proc.wait()
    wait_until(lambda: not alive(descendants), every=0.1, what="no environment left behind")


def test_fork_bomb_of_50_concurrent_invokes(aws: Any, make_function: Any) -> None:
    lam = aws.client("lambda", config=NO_RETRY)
    name = make_function("import time\ndef handler(e, c):\n    time.sleep(0.5)\n    return 1\n")
    results: list[Any] = []

    def call() -> None:
        try:
            results.append(json.loads(lam.invoke(FunctionName=name)["Payload"].read()))
        except Exception as exc:  # collected and asserted below
            results.append(repr(exc))

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [1] * 50
    assert aws.scheduler.environments >= 25
    # The server is still healthy afterwards.
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == 1
