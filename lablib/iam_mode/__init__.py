"""IAM learning mode: a function's AWS calls are checked against its execution role.

Off by default. Switch it on with ``LABLIB_IAM_MODE=1`` before starting the local AWS, or at
run time with :func:`set_learning_mode` (an HTTP call, so it also works against
``lablib serve``). While on, each request a Lambda handler makes with the credentials the
runtime gave it is evaluated against the policies of the function's execution role (inline
and managed). A call no statement allows, or one a ``Deny`` matches, gets AWS's
AccessDenied answer, e.g.::

    User: arn:aws:sts::123456789012:assumed-role/ROLE/FUNCTION is not authorized to perform:
    s3:GetObject on resource: "arn:aws:s3:::invoices/a.pdf" because no identity-based policy
    allows the s3:GetObject action

What it checks: identity-based policies (Effect, Action/NotAction, Resource/NotResource with
wildcards). What it does not: conditions, resource-based policies, permission boundaries,
SCPs and session policies; calls the notebook itself makes (only function code is checked);
and Lambda Invoke calls made from handler code. Requests that name an action it cannot map
are allowed and not judged.
"""

from __future__ import annotations

import json
import urllib.request

CONTROL_PATH = "/_lablib/iam-mode"


def set_learning_mode(endpoint: str, enabled: bool = True) -> bool:
    """Switch learning mode on or off on a running local AWS; returns the new state."""
    from lablib.aws.guard import require_loopback

    url = require_loopback(endpoint).rstrip("/") + CONTROL_PATH
    body = json.dumps({"enabled": bool(enabled)}).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback only
        return bool(json.loads(response.read())["enabled"])


def learning_mode(endpoint: str) -> bool:
    """Whether learning mode is on."""
    from lablib.aws.guard import require_loopback

    url = require_loopback(endpoint).rstrip("/") + CONTROL_PATH
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - loopback only
        return bool(json.loads(response.read())["enabled"])
