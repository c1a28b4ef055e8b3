"""Lab 01's checks against typical wrong answers, set up through boto3 as a learner would: each
mistake fails with its own diagnosis (the step that failed and its hint), the reference passes."""

from __future__ import annotations

from typing import Any

import pytest

import lablib.labs.lambda_invocation.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check
from lablib.notebook._aws import client
from lablib.notebook.cost import cheapest
from lablib.notebook.deploy import deploy, deploy_code
from lablib.notebook.invoke import invoke
from lablib.notebook.logs import invocations
from tests.support import running_aws

aws = pytest.fixture(scope="module", name="aws")(running_aws)


def diagnosis(result: Any) -> str:
    """The failed step, what happened and its hint, as one text (asserts a clean failure)."""
    assert not result.passed, repr(result)
    failure = result.failure
    assert failure is not None and failure.what != "the check could run", repr(result)
    return f"{failure.what} | {failure.got} | {failure.hint}"


# --- timeout: li-batch must stop before its 1 s timeout and return what is left -------------
BATCH_HEAD = (
    "import time\n\ndef process(item):\n    time.sleep(0.2)\n    return item * 2\n\n"
    "def handler(event, context):\n    done, left = [], list(event['items'])\n"
)
BATCH_LOOP = (
    "    while left and context.get_remaining_time_in_millis() > 400:\n"
    "        done.append(process(left.pop(0)))\n"
)
BATCH_RIGHT = BATCH_HEAD + BATCH_LOOP + "    return {'done': done, 'left': left}\n"
# (mistake, code, timeout, step, words in the got/hint)
TIMEOUTS: list[tuple[str, str, int, str, str]] = [
    ("raised the timeout", BATCH_RIGHT, 3, "timeout is still 1 second", "keep --timeout 1"),
    (
        "no time check",
        BATCH_HEAD + "    done, left = [process(i) for i in left], []\n"
        "    return {'done': done, 'left': left}\n",
        1,
        "returns within the 1 s timeout",
        "get_remaining_time_in_millis",
    ),
    (
        "margin of the whole second",
        BATCH_HEAD
        + BATCH_LOOP.replace("> 400", "> 1000")
        + "    return {'done': done, 'left': left}\n",
        1,
        "as many items as time allowed",
        "safety margin",
    ),
    (
        "loses the rest",
        BATCH_HEAD + BATCH_LOOP + "    return {'done': done, 'left': []}\n",
        1,
        "account for every item",
        "unprocessed items in left",
    ),
    (
        "a list reply",
        BATCH_HEAD + BATCH_LOOP + "    return done\n",
        1,
        "has 'done' and 'left'",
        "[",
    ),
]


@pytest.mark.parametrize(
    ("mistake", "code", "timeout", "step", "words"), TIMEOUTS, ids=[t[0] for t in TIMEOUTS]
)
def test_timeout_wrong_answers(
    aws: object, mistake: str, code: str, timeout: int, step: str, words: str
) -> None:
    deploy_code("li-batch", code, timeout=timeout)
    seen = diagnosis(check("lambda-invocation/timeout"))
    assert step in seen.split(" | ")[0] and words in seen, (mistake, seen)


def test_timeout_reference_passes(aws: object) -> None:
    deploy_code("li-batch", BATCH_RIGHT, timeout=1)
    assert check("lambda-invocation/timeout").passed


# --- idempotent: li-charge must charge once per payment id -------------------------------------
CHARGE_HEAD = (
    "import os\nimport uuid\nimport boto3\n\n"
    "table = boto3.resource('dynamodb').Table(os.environ['TABLE'])\n\n"
    "def handler(event, context):\n    pid, amount = event['payment_id'], event['amount']\n"
)
CHARGE_TAIL = "    return {'status': 'charged', 'payment_id': pid}\n"
CHARGE_RIGHT = (
    CHARGE_HEAD + "    try:\n"
    "        table.put_item(Item={'pk': pid, 'payment_id': pid, 'amount': amount},\n"
    "                       ConditionExpression='attribute_not_exists(pk)')\n"
    "    except table.meta.client.exceptions.ConditionalCheckFailedException:\n"
    "        return {'status': 'duplicate', 'payment_id': pid}\n" + CHARGE_TAIL
)
CHARGES: list[tuple[str, str, str, str]] = [
    (
        "no condition",
        CHARGE_HEAD + "    table.put_item(Item={'pk': str(uuid.uuid4()), 'payment_id': pid,"
        " 'amount': amount})\n" + CHARGE_TAIL,
        "charged once",
        "attribute_not_exists(pk)",
    ),
    (
        "duplicate raises",
        CHARGE_HEAD + "    table.put_item(Item={'pk': pid, 'payment_id': pid, 'amount': amount},\n"
        "                   ConditionExpression='attribute_not_exists(pk)')\n" + CHARGE_TAIL,
        "also the duplicate",
        "catch ConditionalCheckFailedException",
    ),
    (
        "keyed on the amount",
        CHARGE_RIGHT.replace("{'pk': pid,", "{'pk': str(amount),"),
        "a different payment is still charged",
        "0 items",
    ),
]


@pytest.fixture(scope="module")
def payments(aws: object) -> str:
    client("dynamodb").create_table(
        TableName="li-payments",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return "li-payments"


def empty(table: str) -> None:
    ddb = client("dynamodb")
    for item in ddb.scan(TableName=table)["Items"]:
        ddb.delete_item(TableName=table, Key={"pk": item["pk"]})


@pytest.mark.parametrize(("mistake", "code", "step", "words"), CHARGES, ids=[c[0] for c in CHARGES])
def test_idempotent_wrong_answers(
    payments: str, mistake: str, code: str, step: str, words: str
) -> None:
    empty(payments)
    deploy_code("li-charge", code, environment={"TABLE": payments})
    seen = diagnosis(check("lambda-invocation/idempotent"))
    assert step in seen.split(" | ")[0] and words in seen, (mistake, seen)


def test_idempotent_reference_passes_and_a_missing_table_is_named(payments: str) -> None:
    deploy_code("li-charge", CHARGE_RIGHT, environment={"TABLE": payments})
    assert check("lambda-invocation/idempotent").passed
    seen = diagnosis(check("lambda-invocation/idempotent", table="li-no-payments"))
    assert "table li-no-payments exists" in seen


# --- dlq: li-flaky's failed async events go to a DLQ, without retries -------------------------
def queue(name: str) -> tuple[str, str]:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def fresh_flaky() -> None:
    """li-flaky and li-flaky-dest as the lab deploys them: no DLQ, no invoke config."""
    lam = client("lambda")
    for name in ("li-flaky", "li-flaky-dest"):
        try:
            lam.delete_function(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            pass
        deploy("lambda-invocation", "flaky", name=name)


@pytest.fixture
def flaky(aws: object) -> None:
    fresh_flaky()


def attach(function: str, arn: str, retries: int | None = 0) -> None:
    lam = client("lambda")
    lam.update_function_configuration(FunctionName=function, DeadLetterConfig={"TargetArn": arn})
    lam.get_waiter("function_updated_v2").wait(FunctionName=function)
    if retries is not None:
        lam.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=retries)


def dlq_mistake(mistake: str) -> Any:
    """Run the learner's (wrong) cell and return the DLQ_URL it leaves."""
    url, arn = queue("li-dlq")
    lam = client("lambda")
    if mistake == "the queue name":
        attach("li-flaky", arn)
        return "li-dlq"
    if mistake == "the queue ARN":
        attach("li-flaky", arn)
        return arn
    if mistake == "a mistyped URL":
        attach("li-flaky", arn)
        return url.replace("li-dlq", "li-dlqs")
    if mistake == "retries left on":
        attach("li-flaky", arn, retries=None)
        return url
    if mistake == "on the wrong function":
        attach("li-flaky-dest", arn)
        lam.put_function_event_invoke_config(FunctionName="li-flaky", MaximumRetryAttempts=0)
        return url
    if mistake == "an on-failure destination":
        lam.put_function_event_invoke_config(
            FunctionName="li-flaky",
            MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": arn}},
        )
        return url
    if mistake == "another queue attached":
        _, other = queue("li-dlq-old")
        attach("li-flaky", other)
        return url
    raise AssertionError(mistake)


DLQS: list[tuple[str, str, str]] = [
    ("the queue name", "URL of an existing queue", "'li-dlq': a queue name, not"),
    ("the queue ARN", "URL of an existing queue", "an ARN, not a queue URL"),
    ("a mistyped URL", "URL of an existing queue", "li-dlqs"),
    ("retries left on", "retries are switched off", "MaximumRetryAttempts=2"),
    ("on the wrong function", "DeadLetterConfig points at the queue", "li-flaky-dest"),
    ("an on-failure destination", "DeadLetterConfig points at the queue", "on-failure destination"),
    ("another queue attached", "DeadLetterConfig points at the queue", "li-dlq-old"),
]


@pytest.mark.parametrize(("mistake", "step", "words"), DLQS, ids=[d[0] for d in DLQS])
def test_dlq_wrong_answers(flaky: None, mistake: str, step: str, words: str) -> None:
    seen = diagnosis(check("lambda-invocation/dlq", queue_url=dlq_mistake(mistake)))
    assert step in seen.split(" | ")[0] and words in seen, (mistake, seen)


def test_dlq_mistakes_are_told_apart(flaky: None) -> None:
    seen = {}
    for mistake, _, _ in DLQS:
        fresh_flaky()
        seen[mistake] = diagnosis(check("lambda-invocation/dlq", queue_url=dlq_mistake(mistake)))
    assert len(set(seen.values())) == len(seen), seen


def test_dlq_reference_passes(flaky: None) -> None:
    url, arn = queue("li-dlq")
    attach("li-flaky", arn)
    assert check("lambda-invocation/dlq", queue_url=url).passed


# --- cheapest-memory: the cheapest measured size for 1,000,000 requests ----------------------
@pytest.fixture(scope="module")
def measured(aws: object) -> dict[int, float]:
    """The lab's measuring cell (li-resize at six sizes, a cold and a warm call each); the
    average warm billed ms per size, as the check computes it."""
    for memory in (128, 256, 512, 1024, 1769, 3008):
        deploy("lambda-invocation", "resize", name="li-resize", memory=memory)
        invoke("li-resize")
        invoke("li-resize")
    found: dict[int, list[int]] = {}
    for inv in invocations("li-resize"):
        if inv.finished and not inv.cold and inv.memory_mb and inv.billed_ms:
            found.setdefault(inv.memory_mb, []).append(inv.billed_ms)
    return {m: sum(v) / len(v) for m, v in found.items()}


def test_cheapest_memory_wrong_answers(measured: dict[int, float]) -> None:
    best = cheapest(measured)
    assert best not in (128, 3008), measured  # the model makes both extremes dearer
    mistakes: dict[str, tuple[Any, str, str]] = {
        "as text": (str(best), "has the right type", "without quotes"),
        "not measured": (2048, "one of the measured sizes", "2048"),
        "least memory": (128, "cheapest for 1,000,000", "lowest price per ms"),
        "most memory": (3008, "cheapest for 1,000,000", "fastest"),
    }
    seen = {}
    for mistake, (answer, step, words) in mistakes.items():
        seen[mistake] = diagnosis(check("lambda-invocation/cheapest-memory", answer=answer))
        assert step in seen[mistake].split(" | ")[0] and words in seen[mistake], (mistake, seen)
    assert len(set(seen.values())) == len(seen), seen
    assert check("lambda-invocation/cheapest-memory", answer=best).passed


def test_learner_copy_placeholders_fail(aws: object) -> None:
    for exercise, name in (
        ("lambda-invocation/dlq", "DLQ_URL"),
        ("lambda-invocation/cheapest-memory", "CHEAPEST_MB"),
    ):
        assert f"{name} is filled in | ... (the placeholder" in diagnosis(check(exercise))
