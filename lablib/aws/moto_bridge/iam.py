"""moto internals for IAM learning mode: a function's execution role and its policies.

Read-only: the role a function runs with (from moto's Lambda backend), the policy documents
attached to that role (inline and managed, default versions), and the KMS key a ciphertext or
alias refers to (policies name key ARNs, callers may pass aliases).
"""

from __future__ import annotations

import json
import struct
from typing import Any
from urllib.parse import unquote

from moto.awslambda.models import lambda_backends
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.kms.utils import KEY_ID_LEN


def function_role(account: str, region: str, function_name: str) -> str | None:
    """The execution role ARN of a function, or None when it no longer exists."""
    try:
        fn = lambda_backends[account][region].get_function(function_name)
    except Exception:  # noqa: BLE001 - moto raises several kinds for a missing function
        return None
    role: str | None = fn.role
    return role


def role_policies(account: str, role_arn: str) -> list[dict[str, Any]] | None:
    """Every policy document of the role (inline, then managed); None if the role is gone."""
    backend = iam_backends[account]["aws"]
    try:
        role = backend.get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001
        return None
    documents: list[dict[str, Any]] = []
    texts = list(role.policies.values())
    for policy in role.managed_policies.values():
        for version in policy.versions:
            if version.version_id == policy.default_version_id:
                texts.append(version.document)
    for text in texts:
        documents.append(_document(text))
    return documents


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    for candidate in (text, unquote(text)):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def kms_key_arn(account: str, region: str, key_id: str) -> str | None:
    """The key ARN for a key id, key ARN or alias (name or ARN)."""
    backend = kms_backends[account][region]
    try:
        resolved = backend.any_id_to_key_id(key_id)
        key = backend.keys[resolved]
    except Exception:  # noqa: BLE001
        return None
    arn: str = key.arn
    return arn


def kms_key_of_ciphertext(account: str, region: str, blob: bytes) -> str | None:
    """The ARN of the key that produced a ciphertext blob (moto's blob format)."""
    if len(blob) < KEY_ID_LEN:
        return None
    (raw,) = struct.unpack(f">{KEY_ID_LEN}s", blob[:KEY_ID_LEN])
    try:
        key_id = raw.decode()
    except UnicodeDecodeError:
        return None
    return kms_key_arn(account, region, key_id)


def role_trust_policy(account: str, role_arn: str) -> dict[str, Any] | None:
    """The role's trust (assume-role) policy document; None if the role does not exist."""
    try:
        role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001
        return None
    return _document(role.assume_role_policy_document)
