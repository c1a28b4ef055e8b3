"""Checks for lab 01 (lambda-invocation). Each one exercises the learner's work against the
local AWS through boto3 and reports what it expected, what happened and a hint."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lablib.exercises.core import Feedback, exercise
from lablib.notebook._aws import client
from lablib.notebook.cost import cheapest, lambda_cost
from lablib.notebook.logs import invocations

BATCH_FUNCTION = "li-batch"
CHARGE_FUNCTION = "li-charge"
FLAKY_FUNCTION = "li-flaky"
RESIZE_FUNCTION = "li-resize"


def _invoke(name: str, payload: Any) -> tuple[str | None, Any]:
    response = client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    raw = response["Payload"].read()
    return response.get("FunctionError"), json.loads(raw) if raw else None


def _exists(fb: Feedback, name: str, cell: str) -> dict[str, Any]:
    lam = client("lambda")
    with fb.found(
        lam.exceptions.ResourceNotFoundException,
        f"function {name} exists",
        expected=f"a function named {name}",
        hint=f"run the {cell} cell first",
    ):
        config: dict[str, Any] = lam.get_function_configuration(FunctionName=name)
    fb.note(f"function {name} exists")
    return config


@exercise("lambda-invocation/timeout", title="Stop before the timeout, return what is left")
def check_timeout(fb: Feedback) -> None:
    config = _exists(fb, BATCH_FUNCTION, "%%lambda li-batch")
    fb.expect(
        config["Timeout"] == 1,
        "the timeout is still 1 second",
        expected="Timeout=1 (fix the code, not the limit)",
        got=f"Timeout={config['Timeout']}",
        hint="keep --timeout 1: the point is to finish in time, whatever the batch size",
    )
    items = list(range(1, 11))
    error, body = _invoke(BATCH_FUNCTION, {"items": items})
    message = body.get("errorMessage", "") if isinstance(body, dict) else ""
    fb.expect(
        error is None,
        "a batch of 10 items (2 s of work) returns within the 1 s timeout",
        expected="a normal reply",
        got=f"{error}: {message}",
        hint="in the loop, stop when context.get_remaining_time_in_millis() gets low "
        "(each item takes about 200 ms) and return the items you did not reach",
    )
    fb.expect(
        isinstance(body, dict) and {"done", "left"} <= set(body),
        "the reply has 'done' and 'left'",
        expected='{"done": [...], "left": [...]}',
        got=body,
    )
    done, left = body["done"], body["left"]
    fb.expect(
        len(done) >= 2,
        "it processed as many items as time allowed",
        expected="at least 2 items done",
        got=f"{len(done)} done",
        hint="keep a safety margin of a few hundred ms, not most of the second",
    )
    fb.expect(
        done == [2 * i for i in items[: len(done)]] and left == items[len(done) :],
        "done + left account for every item, in order",
        expected=f"done = doubled first items, left = the rest of {items}",
        got=f"done={done}, left={left}",
        hint="append process(item) to done; keep the unprocessed items in left",
    )
    error, small = _invoke(BATCH_FUNCTION, {"items": [1, 2]})
    fb.expect(
        error is None and small == {"done": [2, 4], "left": []},
        "a small batch is processed completely",
        expected={"done": [2, 4], "left": []},
        got=small,
        hint="only stop early when time is really running out",
    )


@exercise("lambda-invocation/idempotent", title="Charge once per payment id")
def check_idempotent(fb: Feedback, table: str = "li-payments") -> None:
    _exists(fb, CHARGE_FUNCTION, "%%lambda li-charge")
    payment = f"pay-{uuid.uuid4().hex[:8]}"
    other = f"pay-{uuid.uuid4().hex[:8]}"
    replies = []
    for pid in (payment, payment, other):  # the first event is delivered twice
        error, body = _invoke(CHARGE_FUNCTION, {"payment_id": pid, "amount": 25})
        fb.expect(
            error is None,
            f"delivery of {pid} succeeds (also the duplicate)",
            expected="no FunctionError",
            got=f"{error}: {body}",
            hint="a duplicate is not an error: catch ConditionalCheckFailedException "
            "and return a normal reply",
        )
        replies.append(body)
    ddb = client("dynamodb")
    with fb.found(
        ddb.exceptions.ResourceNotFoundException,
        f"table {table} exists",
        expected=f"the table {table} of the idempotency step",
        hint="run the cell of the idempotency step that creates the table, then this check",
    ):
        items = ddb.scan(TableName=table)["Items"]
    counts = {
        pid: sum(1 for i in items if i.get("payment_id", {}).get("S") == pid)
        for pid in (payment, other)
    }
    fb.expect(
        counts[payment] == 1,
        "the payment delivered twice was charged once",
        expected=f"1 item with payment_id {payment}",
        got=f"{counts[payment]} items",
        hint="use the payment id as the key and put_item with "
        "ConditionExpression='attribute_not_exists(pk)'",
    )
    fb.expect(
        counts[other] == 1,
        "a different payment is still charged",
        expected=f"1 item with payment_id {other}",
        got=f"{counts[other]} items",
    )


@exercise("lambda-invocation/dlq", title="Send failed async events to a dead-letter queue")
def check_dlq(fb: Feedback, queue_url: Any = ...) -> None:
    queue_url = fb.filled(queue_url, "DLQ_URL", str)
    sqs, lam = client("sqs"), client("lambda")
    url_hint = (
        "DLQ_URL = sqs.create_queue(QueueName='li-dlq')['QueueUrl'] (the URL, not the "
        "name or the ARN)"
    )
    kind = "an ARN" if queue_url.startswith("arn:") else "a queue name"
    fb.expect(
        queue_url.startswith(("http://", "https://")),
        "DLQ_URL is the URL of an existing queue",
        expected="the QueueUrl that sqs.create_queue returned (https://...)",
        got=f"{queue_url!r}: {kind}, not a queue URL",
        hint=url_hint,
    )
    with fb.found(
        (ClientError, BotoCoreError),
        "DLQ_URL is the URL of an existing queue",
        expected="the QueueUrl that sqs.create_queue returned",
        hint=url_hint,
        value=queue_url,
    ):
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
    fb.note(f"queue {arn.rsplit(':', 1)[-1]} exists")
    config = _exists(fb, FLAKY_FUNCTION, "deploy li-flaky")
    target = (config.get("DeadLetterConfig") or {}).get("TargetArn")
    try:
        invoke_config = lam.get_function_event_invoke_config(FunctionName=FLAKY_FUNCTION)
    except lam.exceptions.ResourceNotFoundException:
        invoke_config = {}
    fb.expect(
        target == arn,
        "the function's DeadLetterConfig points at the queue",
        expected=arn,
        got=target or "no DeadLetterConfig",
        hint=_dlq_hint(arn, target, invoke_config),
    )
    retries = invoke_config.get("MaximumRetryAttempts", 2)
    fb.expect(
        retries == 0,
        "retries are switched off for this non-retryable failure",
        expected="MaximumRetryAttempts=0",
        got=f"MaximumRetryAttempts={retries}",
        hint="lam.put_function_event_invoke_config(FunctionName=..., MaximumRetryAttempts=0)",
    )
    order = f"order-{uuid.uuid4().hex[:8]}"
    lam.invoke(
        FunctionName=FLAKY_FUNCTION,
        InvocationType="Event",
        Payload=json.dumps({"order_id": order}).encode(),
    )
    deadline, found = time.monotonic() + 30, None  # ends when it arrives
    while found is None and time.monotonic() < deadline:
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        )
        for message in messages.get("Messages", []):
            if json.loads(message["Body"]).get("order_id") == order:
                found = message
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    fb.expect(
        found is not None,
        "a failed async event arrives in the queue",
        expected=f"the event for {order} in the DLQ within 30 s",
        got="nothing arrived",
    )
    assert found is not None
    error = found["MessageAttributes"].get("ErrorMessage", {}).get("StringValue", "")
    fb.expect(
        order in error,
        "the message says why it failed (ErrorMessage attribute)",
        expected=f"an ErrorMessage naming {order}",
        got=error,
    )


def _dlq_hint(arn: str, target: str | None, invoke_config: dict[str, Any]) -> str:
    """Why li-flaky has no (or another) DLQ: the queue set up as an on-failure destination,
    attached to another function, or not attached at all."""
    attach = (
        f"lam.update_function_configuration(FunctionName='{FLAKY_FUNCTION}', "
        "DeadLetterConfig={'TargetArn': queue_arn})"
    )
    on_failure = invoke_config.get("DestinationConfig", {}).get("OnFailure", {})
    if target is None and on_failure.get("Destination") == arn:
        return (
            "the queue is an on-failure destination (put_function_event_invoke_config), "
            f"not a dead-letter queue: this exercise asks for the DLQ: {attach}"
        )
    if target is not None:
        return f"DeadLetterConfig names another queue; attach the DLQ_URL's queue: {attach}"
    others = [
        f["FunctionName"]
        for page in client("lambda").get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if (f.get("DeadLetterConfig") or {}).get("TargetArn") == arn
    ]
    if others:
        return f"the queue is the DLQ of {', '.join(others)}, not of {FLAKY_FUNCTION}: {attach}"
    return attach


@exercise("lambda-invocation/cheapest-memory", title="Pick the cheapest memory size")
def check_cheapest(fb: Feedback, answer: Any = ..., requests: int = 1_000_000) -> None:
    answer = fb.filled(answer, "CHEAPEST_MB", int)
    measured: dict[int, list[int]] = {}
    for inv in invocations(RESIZE_FUNCTION):
        if inv.finished and not inv.cold and inv.memory_mb and inv.billed_ms:
            measured.setdefault(inv.memory_mb, []).append(inv.billed_ms)
    fb.expect(
        len(measured) >= 4,
        "li-resize was measured at several memory sizes",
        expected="warm REPORT lines for at least 4 memory sizes",
        got=f"{sorted(measured)}",
        hint="run the measuring cell of the pricing step first",
    )
    average = {m: sum(v) / len(v) for m, v in measured.items()}
    best = cheapest(average, requests)
    costs = {m: lambda_cost(m, average[m], requests).total_usd for m in sorted(average)}
    fb.expect(
        answer in average,
        "the answer is one of the measured sizes",
        expected=f"one of {sorted(average)}",
        got=answer,
    )
    fb.expect(
        answer == best,
        "it is the cheapest for 1,000,000 requests",
        expected=f"{best} MB",
        got=f"{answer} MB (${costs[answer]:,.2f} vs ${costs[best]:,.2f})",
        hint=_cheapest_hint(answer, average),
    )


def _cheapest_hint(answer: int, average: dict[int, float]) -> str:
    """What a wrong size says about the reasoning: the least memory (lowest price per ms) or
    the fastest / the most memory (shortest duration) is not the lowest total."""
    rule = (
        "cost = requests x (memory GB x billed seconds x price) + request price; "
        "compare lambda_cost(m, MEASURED[m], 1_000_000).total_usd across sizes"
    )
    if answer == min(average):
        return (
            f"{answer} MB has the lowest price per ms, but it runs so much longer that it "
            f"costs more in total: {rule}"
        )
    if answer == max(average) or average[answer] == min(average.values()):
        return (
            f"{answer} MB is the fastest, but its price per ms grows faster than its "
            f"duration shrinks: {rule}"
        )
    return rule
