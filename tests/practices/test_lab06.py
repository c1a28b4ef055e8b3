"""Lab 06 runs top to bottom in a real kernel: the reference passes every exercise check, the
generated learner version fails each one with feedback, and the steps show what they teach."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lablib.exercises.learner import make_learner
from tests.labs.nbrun import errors, run_notebook, text_of
from tests.labs.test_concepts import lab_notebooks
from tests.labs.test_notebooks import check_outputs

EXERCISES = {
    "serverless-practices/least-privilege",
    "serverless-practices/stage-config",
    "serverless-practices/protect-db",
    "serverless-practices/timeout-chain",
}


@pytest.fixture(scope="module")
def lab06(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    path = lab_notebooks()["serverless-practices"]
    learner = make_learner(path, tmp_path_factory.mktemp("learner")).path
    assert "BEGIN SOLUTION" not in learner.read_text()
    return run_notebook(path), run_notebook(learner)


def test_reference_passes_every_check(lab06: tuple[Any, Any]) -> None:
    reference, _ = lab06
    assert errors(reference) == []
    checks = check_outputs(reference)
    assert set(checks) == EXERCISES
    for exercise, text in checks.items():
        assert text.startswith(f"PASSED {exercise}"), text


def test_learner_fails_every_check_with_feedback(lab06: tuple[Any, Any]) -> None:
    _, learner = lab06
    assert errors(learner) == []
    checks = check_outputs(learner)
    assert set(checks) == EXERCISES
    for exercise, text in checks.items():
        assert text.startswith(f"FAILED {exercise}"), text
        assert "expected:" in text and ("hint:" in text or "got:" in text), text


def test_steps_show_what_they_teach(lab06: tuple[Any, Any]) -> None:
    reference, _ = lab06
    shown = "\n".join(text_of(c) for c in reference.cells if c.cell_type == "code")
    assert re.search(r"sp-orders-dev: CREATE_COMPLETE", shown)
    assert re.search(r"AWS::Lambda::Alias", shown) and "AWS::ApiGateway::Stage" in shown
    # over HTTP through the API Gateway data plane, then the queue feeds the shipper
    assert re.search(r"POST\s+/orders\s+201\s+\{\"item\": \"book\"", shown)
    assert re.search(r"GET\s+/orders\s+200\s+\{\"orders\"", shown)
    assert "the queue delivered 3 orders" in shown
    # least privilege: denied, then allowed after adding the policy
    assert "is not authorized to perform: s3:GetObject" in shown
    assert "invoice 001: 3 lamps" in shown
    assert re.search(r"/orders/dev/db-password\s+SecureString\s+True\s+dev-s3cret-7", shown)
    assert "Task timed out after 1.00 seconds" in shown
    assert re.search(r"sp-flaky\s+sp-flaky-dlq", shown)
    assert re.search(r"no cap: 12 x 200, 0 x 429", shown)
    assert re.search(r"reserved concurrency 3: 3 x 200, 9 x 429, database peak 3", shown)
    assert "break-even at about" in shown
    assert "no X-Ray traces are recorded" in shown
    assert "viewer request" in shown and "origin response" in shown


def test_notebook_is_committed_without_outputs() -> None:
    text = Path(lab_notebooks()["serverless-practices"]).read_text()
    assert '"outputs": []' in text and '"output_type"' not in text
