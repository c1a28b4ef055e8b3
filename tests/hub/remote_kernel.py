"""Run code cells in a kernel of a remote Jupyter server (a learner's server behind the hub)
over the server's REST and kernel websocket API, as JupyterLab does."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
import websocket


@dataclass
class CellResult:
    index: int
    error: str = ""
    text: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


class RemoteKernel:
    """One notebook session (``POST /api/sessions``) on a server at ``base`` (…/user/NAME/)."""

    def __init__(self, base: str, token: str, path: str) -> None:
        self.base = base.rstrip("/")
        self.headers = {"Authorization": f"token {token}"}
        reply = requests.post(
            f"{self.base}/api/sessions",
            json={"path": path, "type": "notebook", "name": path, "kernel": {"name": "python3"}},
            headers=self.headers,
            timeout=60,
        )
        reply.raise_for_status()
        self.session_id = reply.json()["id"]
        kernel_id = reply.json()["kernel"]["id"]
        url = self.base.replace("http://", "ws://", 1) + f"/api/kernels/{kernel_id}/channels"
        self.ws = websocket.create_connection(url, header=self.headers, timeout=60)
        self.client_session = uuid.uuid4().hex

    def run(self, code: str, index: int = 0, timeout: float = 180) -> CellResult:
        """Execute ``code``; the result has the error (``ename: evalue``) if it raised."""
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "username": "hub-test",
            "session": self.client_session,
            "msg_type": "execute_request",
            "version": "5.3",
            "date": "",
        }
        content = {"code": code, "silent": False, "store_history": True, "allow_stdin": False}
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
        self.ws.send(json.dumps({**message, "channel": "shell", "buffers": []}))
        result = CellResult(index)
        deadline = time.monotonic() + timeout
        idle = replied = False
        while not (idle and replied):
            if time.monotonic() > deadline:
                result.error = f"TimeoutError: no reply in {timeout} s"
                return result
            self.ws.settimeout(max(1.0, deadline - time.monotonic()))
            reply = json.loads(self.ws.recv())
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = reply["header"]["msg_type"]
            body: dict[str, Any] = reply["content"]
            if kind == "error":
                result.error = f"{body['ename']}: {body['evalue']}"
            elif kind == "stream":
                (result.stderr if body["name"] == "stderr" else result.text).append(body["text"])
            elif kind in ("execute_result", "display_data"):
                result.text.append(body.get("data", {}).get("text/plain", ""))
            elif kind == "status" and body["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                replied = True
                if body.get("status") == "error" and not result.error:
                    result.error = f"{body.get('ename')}: {body.get('evalue')}"
        return result

    def close(self) -> None:
        """End the session: its kernel (and the kernel's local AWS) stops."""
        self.ws.close()
        requests.delete(
            f"{self.base}/api/sessions/{self.session_id}", headers=self.headers, timeout=60
        )
