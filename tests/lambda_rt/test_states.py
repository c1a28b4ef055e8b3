"""Function states and revisions as on AWS: Pending then Active, InProgress then Successful,
ResourceConflictException for an update during an update, RevisionId checked, and the boto3
waiters that exist because of them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import zip_of

CODE = "def handler(event, context):\n    return 'ok'\n"


def _create(lam: Any, role: str, name: str) -> dict[str, Any]:
    response: dict[str, Any] = lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": CODE})},
    )  # fmt: skip
    return response


def test_new_function_is_pending_then_active(lam: Any, role: str) -> None:
    created = _create(lam, role, "states-new")
    assert created["State"] == "Pending"
    assert created["StateReason"] == "The function is being created."
    assert created["StateReasonCode"] == "Creating"
    assert "LastUpdateStatus" not in created
    lam.get_waiter("function_active_v2").wait(
        FunctionName="states-new", WaiterConfig={"Delay": 0.05, "MaxAttempts": 200}
    )
    active = lam.get_function(FunctionName="states-new")["Configuration"]
    assert (active["State"], active["LastUpdateStatus"]) == ("Active", "Successful")
    assert "StateReason" not in active
    assert active["RevisionId"] != created["RevisionId"]
    assert "Layers" not in active and "RuntimeVersionConfig" in active
    # Invoke right after create works here (see the fidelity row function-states).
    assert lam.invoke(FunctionName="states-new")["StatusCode"] == 200


def test_update_in_progress_conflicts_until_the_waiter_says_updated(
    lam: Any, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create(lam, role, "states-update")
    lam.get_waiter("function_active_v2").wait(FunctionName="states-update")
    # Make the InProgress window 2 real seconds (120 AWS seconds at 60x) so that the second
    # update surely lands inside it.
    monkeypatch.setenv("LABLIB_LAMBDA_TRANSITION_SECONDS", "120")
    updated = lam.update_function_configuration(FunctionName="states-update", MemorySize=256)
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["LastUpdateStatusReasonCode"] == "Creating"
    with pytest.raises(ClientError) as caught:
        lam.update_function_code(
            FunctionName="states-update", ZipFile=zip_of({"app.py": CODE + "# v2\n"})
        )
    assert caught.value.response["Error"]["Code"] == "ResourceConflictException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert "An update is in progress for resource" in caught.value.response["Error"]["Message"]
    lam.get_waiter("function_updated_v2").wait(
        FunctionName="states-update", WaiterConfig={"Delay": 0.2, "MaxAttempts": 100}
    )
    done = lam.get_function_configuration(FunctionName="states-update")
    assert done["LastUpdateStatus"] == "Successful" and done["MemorySize"] == 256
    monkeypatch.delenv("LABLIB_LAMBDA_TRANSITION_SECONDS")
    lam.update_function_code(
        FunctionName="states-update", ZipFile=zip_of({"app.py": CODE + "# v2\n"})
    )


def test_revision_id_is_checked(lam: Any, role: str) -> None:
    _create(lam, role, "states-revision")
    lam.get_waiter("function_active_v2").wait(FunctionName="states-revision")
    current = lam.get_function(FunctionName="states-revision")["Configuration"]["RevisionId"]
    with pytest.raises(ClientError) as caught:
        lam.update_function_configuration(
            FunctionName="states-revision", Timeout=5, RevisionId="0" * 8 + current[8:]
        )
    assert caught.value.response["Error"]["Code"] == "PreconditionFailedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    updated = lam.update_function_configuration(
        FunctionName="states-revision", Timeout=5, RevisionId=current
    )
    assert updated["Timeout"] == 5 and updated["RevisionId"] != current


def test_publish_checks_code_sha256(lam: Any, role: str) -> None:
    _create(lam, role, "states-sha")
    lam.get_waiter("function_active_v2").wait(FunctionName="states-sha")
    with pytest.raises(ClientError) as caught:
        lam.publish_version(FunctionName="states-sha", CodeSha256="not-the-hash")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "is different from current CodeSHA256 in $LATEST" in str(caught.value)
    sha = lam.get_function(FunctionName="states-sha")["Configuration"]["CodeSha256"]
    assert lam.publish_version(FunctionName="states-sha", CodeSha256=sha)["Version"] == "1"


def test_oversized_payloads_use_aws_words(lam: Any, role: str) -> None:
    """Invoke: over 1 MB asynchronously (since October 2025; 256 KB before) or over 6 MB
    synchronously -> 413 RequestEntityTooLargeException, worded as AWS words it."""
    _create(lam, role, "states-large")
    lam.get_waiter("function_active_v2").wait(FunctionName="states-large")
    big = b'"' + b"a" * (1024 * 1024) + b'"'
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName="states-large", InvocationType="Event", Payload=big)
    error = caught.value.response["Error"]
    assert error["Code"] == "RequestEntityTooLargeException"
    assert error["Message"] == (
        f"{len(big)} byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )
    assert lam.invoke(FunctionName="states-large", Payload=big)["StatusCode"] == 200  # sync: 6 MB
    huge = b'"' + b"a" * (6 * 1024 * 1024) + b'"'
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName="states-large", Payload=huge)
    assert caught.value.response["Error"]["Message"] == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )
