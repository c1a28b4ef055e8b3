"""/tmp holds EphemeralStorage and no more: writing past it fails with ENOSPC inside the
handler, as on AWS (a size-limited tmpfs in the environment's private mount namespace)."""

from __future__ import annotations

import json
from typing import Any

FILL = """
import errno, os, tempfile
def handler(event, context):
    folder = "/tmp" if event["where"] == "tmp" else tempfile.gettempdir()
    path = os.path.join(folder, "fill.bin")
    chunk = b"x" * (16 << 20)
    written, error = 0, None
    try:
        with open(path, "wb") as handle:
            for _ in range(100):  # at most 1.6 GB, well past 512 MB
                handle.write(chunk)
                handle.flush()
                written += len(chunk)
    except OSError as exc:
        error = errno.errorcode.get(exc.errno)
    os.remove(path)
    return {"written_mb": written >> 20, "error": error}
"""


def test_writes_past_ephemeral_storage_fail_with_enospc(lam: Any, make_function: Any) -> None:
    name = make_function(FILL, Timeout=120)  # EphemeralStorage: the default 512 MB
    # /tmp and TMPDIR are the same limited space; after a failure it is free again.
    for where in ("tmp", "tmpdir", "tmp"):
        response = lam.invoke(FunctionName=name, Payload=json.dumps({"where": where}).encode())
        body = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, body
        assert body["error"] == "ENOSPC"
        assert 400 <= body["written_mb"] <= 512
