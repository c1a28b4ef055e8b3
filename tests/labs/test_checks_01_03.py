"""Checks of labs 01-03 against a real local AWS: each distinct mistake gets its own diagnosis,
and no input a learner can give makes a check fail with a raw exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

import lablib.labs.api_gateway.checks
import lablib.labs.event_sources.checks
import lablib.labs.lambda_invocation.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check
from lablib.exercises.learner import make_learner
from tests.support import running_aws

aws = pytest.fixture(scope="module", name="aws")(running_aws)
ROOT = Path(__file__).resolve().parents[2]

HEAD = "import json\n\ndef handler(event, context):\n"
LOOP = "    out = []\n    for r in event['Records']:\n        body = json.loads(r['body'])\n"
PARTIAL = {
    "raises": HEAD + LOOP + "        if 'fail' in body:\n            raise ValueError('bad')\n",
    "wrong key": HEAD + LOOP + "        if 'fail' in body:\n"
    "            out.append({'itemIdentifier': r['messageId']})\n"
    "    return {'batchItemFailure': out}\n",
    "no reply": HEAD + LOOP + "        pass\n",
    "empty list": HEAD + "    return {'batchItemFailures': []}\n",
    "body id": HEAD + LOOP + "        if 'fail' in body:\n"
    "            out.append({'itemIdentifier': body['id']})\n"
    "    return {'batchItemFailures': out}\n",
    "receipt handle": HEAD + LOOP + "        if 'fail' in body:\n"
    "            out.append({'itemIdentifier': r['receiptHandle']})\n"
    "    return {'batchItemFailures': out}\n",
    "every message": HEAD + LOOP + "        out.append({'itemIdentifier': r['messageId']})\n"
    "    return {'batchItemFailures': out}\n",
    "no handler": "def main(event, context):\n    return {}\n",
}
RIGHT = (
    HEAD + LOOP + "        if 'fail' in body:\n"
    "            out.append({'itemIdentifier': r['messageId']})\n"
    "    return {'batchItemFailures': out}\n"
)
PROXY = {
    "the item itself": "def handler(event, context):\n    return {'id': 7, 'name': 'widget'}\n",
    "body as a dict": "def handler(event, context):\n"
    "    return {'statusCode': 200, 'body': {'id': 7, 'name': 'widget'}}\n",
    "reads a header": "import json\ndef handler(event, context):\n"
    "    accept = event['headers']['Accept']\n"
    "    return {'statusCode': 200, 'body': json.dumps({'id': 7})}\n",
    "a string": "def handler(event, context):\n    return 'ok'\n",
    "number header": "import json\ndef handler(event, context):\n"
    "    return {'statusCode': 200, 'headers': {'X-Count': 1},"
    " 'body': json.dumps({'id': 7, 'name': 'widget'})}\n",
}


def failed_step(result: Any) -> str:
    assert not result.passed, result
    failure = result.failure
    assert failure is not None and failure.what != "the check could run", result
    return f"{failure.what} | {failure.got} | {failure.hint}"


def test_partial_batch_tells_each_mistake_apart(aws: object) -> None:
    seen = {name: failed_step(check("event-sources/partial-batch", code=code))
            for name, code in PARTIAL.items()}  # fmt: skip
    assert len(set(seen.values())) == len(seen), seen  # one diagnosis per mistake
    assert "that is the id inside the body" in seen["body id"]
    assert "that is the receiptHandle" in seen["receipt handle"]
    assert "without batchItemFailures Lambda treats the batch as a success" in seen["no reply"]
    assert "an empty list means 'all succeeded'" in seen["empty list"]
    assert "def handler(event, context)" in seen["no handler"]
    assert "'batchItemFailure'" in seen["wrong key"]
    assert "raising fails the whole batch" in seen["raises"]
    assert "healthy message listed" in seen["every message"]
    assert check("event-sources/partial-batch", code=RIGHT).passed


def test_proxy_response_names_what_makes_the_502(aws: object) -> None:
    seen = {name: failed_step(check("api-gateway/proxy-response", code=code))
            for name, code in PROXY.items()}  # fmt: skip
    whats = [text.split(" | ")[0] for text in seen.values()]
    assert len(set(whats)) == len(whats), seen
    assert "KeyError" in seen["reads a header"]


GARBAGE: list[tuple[str, dict[str, Any]]] = [
    ("lambda-invocation/timeout", {}),
    ("lambda-invocation/idempotent", {}),
    ("lambda-invocation/dlq", {"queue_url": "li-dlq"}),
    ("lambda-invocation/dlq", {"queue_url": 7}),
    ("lambda-invocation/cheapest-memory", {"answer": 512}),
    ("event-sources/partial-batch", {"code": "def handler(event, context)\n"}),
    ("event-sources/s3-permission", {"bucket": "nope", "function": "nope", "results": ""}),
    ("event-sources/unblock-shard", {"mapping_uuid": "nope"}),
    ("event-sources/sqs-settings", {"settings": {}}),
    ("api-gateway/selection-pattern", {"api_id": "nope"}),
    ("api-gateway/proxy-response", {"code": "x = 1\n"}),
    ("api-gateway/usage-plan", {"api_id": "nope", "key_value": "k"}),
    ("api-gateway/pick-api-type", {"answers": {}}),
]


@pytest.mark.parametrize(("exercise", "inputs"), GARBAGE, ids=[g[0] for g in GARBAGE])
def test_a_wrong_input_is_explained_not_raised(
    aws: object, exercise: str, inputs: dict[str, Any]
) -> None:
    failed_step(check(exercise, **inputs))


# Exercises whose answer is a value: the reference notebook's answer cell passes its check and
# the learner copy's stub fails it, run exactly as the two notebooks' cells are written.
VALUE_EXERCISES = [
    ("02-event-sources", "event-sources/partial-batch", "PARTIAL_HANDLER = "),
    ("02-event-sources", "event-sources/sqs-settings", "SQS_SETTINGS = "),
    ("03-api-gateway", "api-gateway/proxy-response", "FIXED_HANDLER = "),
    ("03-api-gateway", "api-gateway/pick-api-type", "API_TYPE = "),
]


def answer_and_check_cells(path: Path, exercise: str, assigns: str) -> tuple[str, str]:
    sources = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    answer = next(s for s in sources if assigns in s or assigns.replace(" = ", " = ...") in s)
    call = next(  # the check cell, maybe after "# On real AWS: ..." comment lines
        s for s in sources if any(line.startswith(f'check("{exercise}"') for line in s.splitlines())
    )
    return answer, call


@pytest.mark.parametrize(("lab", "exercise", "assigns"), VALUE_EXERCISES,
                         ids=[v[1] for v in VALUE_EXERCISES])  # fmt: skip
def test_reference_passes_and_learner_stub_fails(
    aws: object, tmp_path: Path, lab: str, exercise: str, assigns: str
) -> None:
    reference = ROOT / "labs" / f"{lab}.ipynb"
    learner = make_learner(reference, tmp_path).path
    for path, should_pass in ((reference, True), (learner, False)):
        answer, call = answer_and_check_cells(path, exercise, assigns)
        names: dict[str, Any] = {"check": check}
        exec(answer, names)
        result = eval(call, names)
        assert result.passed is should_pass, (path, result)
        if not should_pass:
            failed_step(result)
            assert "placeholder" in result.failure.got or "filled" in result.failure.what
