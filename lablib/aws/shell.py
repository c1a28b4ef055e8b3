"""What another process needs to use a running local AWS: the lines ``lablib serve`` prints
after its endpoint line, and ``lablib env`` for ``eval "$(lablib env)"``.

An SDK or the AWS CLI needs more than ``AWS_ENDPOINT_URL``: a region, credentials (fake ones:
the local AWS accepts any signature) and, for Step Functions' StartSyncExecution, the switch
that stops the SDK from prefixing ``sync-`` to the host name.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

AWS_CLI_FUNCTION = 'aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }'
STAGE_URL = "{endpoint}/restapis/{{api_id}}/{{stage}}/_user_request_/{{path}}"


def environment(endpoint: str, region: str) -> dict[str, str]:
    """The variables a shell sets to use the local AWS at ``endpoint``."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
    }


def export_lines(endpoint: str, region: str) -> str:
    """``export`` lines for a POSIX shell, then the stage URL pattern as a comment."""
    lines = [f"export {key}={value}" for key, value in environment(endpoint, region).items()]
    # AWS CLI v1 replaces the endpoint of a few services (sqs in every region) with its own
    # unless --endpoint-url is given, whatever AWS_ENDPOINT_URL says: pass it always.
    lines.append(AWS_CLI_FUNCTION)
    lines.append("# API Gateway stage URLs: " + STAGE_URL.format(endpoint=endpoint))
    return "\n".join(lines)


@dataclass
class Running:
    endpoint: str
    region: str
    pid: int


def _registry() -> Path:
    from lablib.aws.server import lablib_home

    return lablib_home() / "serve"


def record_server(endpoint: str, region: str) -> Path:
    """Note a running ``lablib serve`` so ``lablib env`` can find it."""
    folder = _registry()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{os.getpid()}.json"
    path.write_text(json.dumps({"endpoint": endpoint, "region": region, "pid": os.getpid()}))
    return path


def forget_server(path: Path) -> None:
    path.unlink(missing_ok=True)


def running_server() -> Running | None:
    """The newest ``lablib serve`` of this LABLIB_HOME that is still running."""
    folder = _registry()
    found: list[tuple[float, Running]] = []
    for path in folder.glob("*.json") if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text())
            entry = Running(str(data["endpoint"]), str(data["region"]), int(data["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
            continue
        if not Path(f"/proc/{entry.pid}").exists():
            path.unlink(missing_ok=True)  # a server killed without cleaning up
            continue
        found.append((path.stat().st_mtime, entry))
    return max(found, key=lambda item: item[0])[1] if found else None
