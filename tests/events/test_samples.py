"""Sample events (no AWS needed) have AWS's shapes, and the lab's handler reads them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from lablib.events.records import decode_logs_event
from lablib.events.samples import KINDS, generate_event

RECORDER = Path(__file__).resolve().parents[2] / "labs/functions/event-sources/recorder.py"


def load_recorder() -> Any:
    spec = importlib.util.spec_from_file_location("recorder", RECORDER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_kind_generates() -> None:
    for service, kinds in KINDS.items():
        for kind in kinds:
            assert generate_event(service, kind)


def test_shapes() -> None:
    s3 = generate_event("s3", "put", bucket="b", key="a b.txt")["Records"][0]
    assert s3["s3"]["object"]["key"] == "a+b.txt" and s3["eventName"] == "ObjectCreated:Put"
    assert generate_event("sqs", "receive-message", bodies=["x", "y"])["Records"][1]["body"] == "y"
    assert generate_event("sns", "notification")["Records"][0]["EventSource"] == "aws:sns"
    ddb = generate_event("dynamodb", "update")["Records"]
    assert [r["eventName"] for r in ddb] == ["INSERT", "MODIFY", "REMOVE"]
    assert generate_event("eventbridge", "scheduled-event")["detail-type"] == "Scheduled Event"
    logs = decode_logs_event(generate_event("cloudwatch", "logs", messages=["ERROR x"]))
    assert logs["logEvents"][0]["message"] == "ERROR x"


def test_bad_input_says_what_to_use() -> None:
    with pytest.raises(ValueError, match="choose one of s3, sqs"):
        generate_event("ses", "put")
    with pytest.raises(ValueError, match="choose one of put, delete"):
        generate_event("s3", "copy")


def test_recorder_unit_tested_with_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = load_recorder()
    event = generate_event(
        "sqs", "receive-message", bodies=['{"id": 1}', '{"id": 2, "fail": "always"}']
    )
    monkeypatch.setenv("REPORT_FAILURES", "1")
    response = recorder.handler(event, None)
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    monkeypatch.delenv("REPORT_FAILURES")
    with pytest.raises(ValueError, match="1 of 2 records failed"):
        recorder.handler(event, None)
