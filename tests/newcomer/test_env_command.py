"""`lablib serve` prints what a shell needs after its endpoint line; `lablib env` repeats it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_serve_prints_exports_and_env_finds_it(tmp_path: Path) -> None:
    env = dict(os.environ, LABLIB_HOME=str(tmp_path / "home"))
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        env.pop(key, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lablib", "serve"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().rstrip("\n")
        assert first.startswith("AWS_ENDPOINT_URL=http://127.0.0.1:")
        endpoint = first.split("=", 1)[1]
        printed = [proc.stdout.readline().rstrip("\n") for _ in range(8)]
        assert printed[0] == f"export AWS_ENDPOINT_URL={endpoint}"
        assert "export AWS_DISABLE_HOST_PREFIX_INJECTION=true" in printed
        assert "export AWS_DEFAULT_REGION=us-east-1" in printed
        # AWS CLI v1 sends sqs to its own endpoint unless --endpoint-url is given
        assert 'aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }' in printed
        assert printed[-1].endswith(
            f"{endpoint}/restapis/{{api_id}}/{{stage}}/_user_request_/{{path}}"
        )
        # eval "$(lablib env)" in a shell without ~/.aws: the AWS CLI then works as printed
        home = tmp_path / "nohome"
        home.mkdir()
        shell_env = dict(env, HOME=str(home))
        bin_dir = str(Path(sys.executable).parent)
        shell_env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        script = 'eval "$(lablib env)" && aws sqs create-queue --queue-name q1 --output text'
        result = subprocess.run(
            ["bash", "-c", script], env=shell_env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert "/q1" in result.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    # stopped: `lablib env` says so plainly
    result = subprocess.run(
        [sys.executable, "-m", "lablib", "env"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "no `lablib serve` is running" in result.stderr


def test_env_with_explicit_endpoint() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lablib", "env", "--endpoint", "http://127.0.0.1:4566"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:4566" in result.stdout
