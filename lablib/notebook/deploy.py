"""Deploy handler code as a Lambda function through plain boto3 (create or update, then wait).

``deploy(lab, source)`` ships ``labs/functions/<lab>/<source>.py``; ``deploy_code(name, code)``
ships a string (the ``%%lambda`` magic uses it). Both make the same calls a learner would:
``create_function`` or ``update_function_code`` / ``update_function_configuration``, then wait
until the function is Active and its last update Successful. Only what changed is updated, so
re-running a cell that changed nothing keeps the warm environments.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._aws import client

ROLE_NAME = "lablib-lambda-role"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


class DeployError(ValueError):
    """Bad deploy input (missing file, invalid name or setting); says what to fix."""


@dataclass
class Deployment:
    """What ``deploy`` did: ``action`` is created, updated or unchanged."""

    name: str
    arn: str
    action: str
    changes: list[str] = field(default_factory=list)
    configuration: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        cfg = self.configuration
        what = f" ({', '.join(self.changes)})" if self.changes else ""
        return (
            f"{self.action} {self.name}{what}: {cfg.get('Runtime')}, handler {cfg.get('Handler')}, "
            f"{cfg.get('MemorySize')} MB, timeout {cfg.get('Timeout')} s"
        )


def functions_dir() -> Path:
    """``labs/functions`` of this project (``LABLIB_FUNCTIONS_DIR`` overrides)."""
    override = os.environ.get("LABLIB_FUNCTIONS_DIR")
    if override:
        return Path(override)
    here = Path(__file__).resolve().parents[2] / "labs" / "functions"
    if here.is_dir():
        return here
    for parent in [Path.cwd(), *Path.cwd().parents]:
        candidate = parent / "labs" / "functions"
        if candidate.is_dir():
            return candidate
    raise DeployError("cannot find labs/functions; set LABLIB_FUNCTIONS_DIR to its path")


def source_path(lab: str, source: str) -> Path:
    """The file ``labs/functions/<lab>/<source>.py``, or a clear error listing what exists."""
    folder = functions_dir() / lab
    path = folder / f"{source.removesuffix('.py')}.py"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.py")) if folder.is_dir() else []
        raise DeployError(
            f"no handler file {path}; handlers of lab {lab!r}: {', '.join(known) or 'none'}"
        )
    return path


def lab_role() -> str:
    """ARN of the lab's execution role (created on first use, trusted by Lambda)."""
    iam = client("iam")
    try:
        arn: str = iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(
            RoleName=ROLE_NAME,
            AssumeRolePolicyDocument=json.dumps(_TRUST),
            Description="Execution role for lablib's lab functions",
        )["Role"]["Arn"]
    return arn


def zip_files(files: Mapping[str, str | bytes]) -> bytes:
    """A deterministic zip (fixed timestamps), so unchanged code has an unchanged hash."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def code_sha256(zipped: bytes) -> str:
    """The CodeSha256 AWS reports for a zip: base64 of its SHA-256."""
    return base64.b64encode(hashlib.sha256(zipped).digest()).decode()


# Hot reload (opt-in with watch()): function name -> (file, its mtime, how it was deployed).
_WATCHED: dict[str, tuple[Path, float, dict[str, Any]]] = {}
_watching = False


def watch(enabled: bool = True) -> str:
    """Opt in to hot reload: a handler file under labs/functions that changed since it was
    deployed with :func:`deploy` is redeployed when the function is next invoked through
    :func:`lablib.notebook.invoke` (or ``%invoke``), with a message saying so."""
    global _watching
    _watching = enabled
    state = "on" if enabled else "off"
    return f"hot reload {state}: edited files in {functions_dir()} redeploy on the next invoke"


def reload_if_changed(name: str) -> Deployment | None:
    """Redeploy ``name`` if watching and its handler file changed; returns what was done."""
    if not _watching or name not in _WATCHED:
        return None
    path, mtime, how = _WATCHED[name]
    if not path.is_file() or path.stat().st_mtime == mtime:
        return None
    deployment = deploy(**how)
    print(
        f"{path.name} changed on disk: redeployed {name} ({deployment.action}); this call is cold"
    )
    return deployment


def deploy(
    lab: str,
    source: str,
    *,
    name: str | None = None,
    handler: str = "handler",
    extra_files: Mapping[str, str | bytes] | None = None,
    **settings: Any,
) -> Deployment:
    """Deploy ``labs/functions/<lab>/<source>.py`` as function ``name`` (default: source).

    ``settings`` are those of :func:`deploy_code` (memory, timeout, environment, layers,
    runtime, dead_letter_arn, description).
    """
    path = source_path(lab, source)
    mtime = path.stat().st_mtime
    files: dict[str, str | bytes] = {path.name: path.read_text()}
    files.update(extra_files or {})
    function = name or path.stem.replace("_", "-")
    done = deploy_files(function, files, handler=f"{path.stem}.{handler}", **settings)
    how = dict(lab=lab, source=source, name=function, handler=handler, extra_files=extra_files)
    _WATCHED[function] = (path, mtime, {**how, **settings})
    return done


def deploy_code(
    name: str, code: str, *, module: str = "app", handler: str = "handler", **settings: Any
) -> Deployment:
    """Deploy ``code`` as ``<module>.py`` of function ``name`` (handler ``module.handler``)."""
    if not code.strip():
        raise DeployError(f"function {name!r}: the code is empty")
    try:
        compile(code, f"{module}.py", "exec")
    except SyntaxError as exc:
        raise DeployError(
            f"function {name!r} not deployed: {module}.py line {exc.lineno}: {exc.msg}"
        ) from None
    return deploy_files(name, {f"{module}.py": code}, handler=f"{module}.{handler}", **settings)


def deploy_files(
    name: str,
    files: Mapping[str, str | bytes],
    *,
    handler: str,
    runtime: str = "python3.12",
    memory: int = 128,
    timeout: int = 3,
    environment: Mapping[str, str] | None = None,
    layers: Sequence[str] = (),
    dead_letter_arn: str | None = None,
    description: str = "",
    ephemeral_storage: int = 512,
    wait: bool = True,
) -> Deployment:
    """Create or update function ``name`` from ``files`` so it matches the given settings.

    Settings describe the desired state: re-running with fewer environment variables removes
    the others. ``dead_letter_arn=None`` leaves an existing dead-letter queue alone.
    """
    _validate(name, memory, timeout, ephemeral_storage)
    lam = client("lambda")
    zipped = zip_files(files)
    wanted: dict[str, Any] = {
        "Runtime": runtime,
        "Handler": handler,
        "MemorySize": memory,
        "Timeout": timeout,
        "Environment": {"Variables": dict(environment or {})},
        "Layers": list(layers),
        "Description": description,
        "EphemeralStorage": {"Size": ephemeral_storage},
    }
    if dead_letter_arn is not None:
        wanted["DeadLetterConfig"] = {"TargetArn": dead_letter_arn}
    try:
        current = lam.get_function_configuration(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        current = None
    if current is None:
        created = lam.create_function(
            FunctionName=name, Role=lab_role(), Code={"ZipFile": zipped}, **wanted
        )
        config = _wait(name) if wait else created
        return Deployment(name, config["FunctionArn"], "created", [], config)
    changes: list[str] = []
    if current.get("CodeSha256") != code_sha256(zipped):
        lam.update_function_code(FunctionName=name, ZipFile=zipped)
        changes.append("code")
        _wait(name)
    differing = {k: v for k, v in wanted.items() if _current_value(current, k) != v}
    if differing:
        lam.update_function_configuration(FunctionName=name, **differing)
        changes.extend(sorted(differing))
    config = _wait(name) if wait and changes else current
    action = "updated" if changes else "unchanged"
    return Deployment(name, config["FunctionArn"], action, changes, config)


def _current_value(config: Mapping[str, Any], key: str) -> Any:
    if key == "Environment":
        return {"Variables": (config.get("Environment") or {}).get("Variables") or {}}
    if key == "Layers":
        return [layer["Arn"] for layer in config.get("Layers") or []]
    if key == "Description":
        return config.get("Description") or ""
    if key == "EphemeralStorage":
        return config.get("EphemeralStorage") or {"Size": 512}
    return config.get(key)


def _validate(name: str, memory: int, timeout: int, storage: int) -> None:
    if not _NAME.match(name):
        raise DeployError(
            f"function name {name!r} is invalid: use 1-64 letters, digits, hyphens or underscores"
        )
    if not 128 <= memory <= 10240:
        raise DeployError(f"memory {memory} MB is out of range: choose 128 to 10240 MB")
    if not 1 <= timeout <= 900:
        raise DeployError(f"timeout {timeout} s is out of range: choose 1 to 900 seconds")
    if not 512 <= storage <= 10240:
        raise DeployError(f"/tmp size {storage} MB is out of range: choose 512 to 10240 MB")


def _wait(name: str, seconds: float = 30.0) -> dict[str, Any]:
    """Poll until the function is Active and its last update finished (as AWS's waiters do)."""
    lam = client("lambda")
    deadline = time.monotonic() + seconds
    while True:
        config: dict[str, Any] = lam.get_function_configuration(FunctionName=name)
        state, update = config.get("State", "Active"), config.get("LastUpdateStatus", "Successful")
        if state == "Failed" or update == "Failed":
            reason = config.get("StateReason") or config.get("LastUpdateStatusReason")
            raise DeployError(f"function {name!r} failed to deploy: {reason}")
        if state == "Active" and update == "Successful":
            return config
        if time.monotonic() > deadline:
            raise DeployError(f"function {name!r} still {state}/{update} after {seconds:g} s")
        time.sleep(0.05)
