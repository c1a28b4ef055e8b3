"""Real-AWS mode before the first create: the lab's cost estimate (from its notebook, nothing
run), the cells that differ on real AWS, a call budget that makes the bound hold, and tagging
of plain boto3 clients. Against the local AWS used as if it were remote."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import boto3
import pytest

from lablib.aws import cleanup, cost, target
from lablib.aws.server import LocalAWS
from lablib.aws.tagging import TAG_KEY
from lablib.aws.target import RealAWS

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"


def notebook(path: Path, *cells: str) -> Path:
    code = [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []} for c in cells]
    path.write_text(json.dumps({"cells": code, "metadata": {}, "nbformat": 4}))
    return path


def test_plan_reads_functions_and_creates_from_the_code(tmp_path: Path) -> None:
    lab = notebook(
        tmp_path / "07-demo.ipynb",
        "%%lambda demo-magic --memory 256 --timeout 10\ndef handler(e, c):\n    return 1",
        'nb.deploy("demo", "src", name="demo-deployed", memory=512, timeout=5)',
        'lam.create_function(FunctionName="demo-raw", Runtime="python3.12")\n'
        'sqs.create_queue(QueueName="q")\nkinesis.create_stream(StreamName="s", ShardCount=1)',
        "time.sleep(2)\nprint(aws.clock.describe())",
    )
    plan = cost.plan(lab)
    assert plan.lab == "demo"
    assert [(f.name, f.memory_mb, f.timeout_s) for f in plan.functions] == [
        ("demo-deployed", 512, 5),
        ("demo-magic", 256, 10),
        ("demo-raw", 128, 3),
    ]
    assert plan.resources == {"create_queue": 1, "create_stream": 1}
    found = cost.estimate(plan, max_calls=1000, hours=8)
    # dearest call: an invoke of 2.5 GB-s tried 3 times, behind API Gateway, with 10 kB of logs
    price = {k: usd for k, (usd, _) in cost.PRICES.items()}
    invoke = 3 * (price["lambda.request"] + 2.5 * price["lambda.gb_second"])
    call = price["apigateway.request"] + invoke + 1e-5 * price["logs.gb"]
    shard = 8 * price["kinesis.shard_hour"]
    assert found.upper_bound_usd == pytest.approx(1000 * call + shard)
    text = found.render()
    assert "demo-magic 256 MB/10 s" in text and "upper bound" in text and "1,000" in text
    assert cost.suspects(lab) == [
        (4, "lab clock: real AWS waits minutes where the lab waits seconds; "
            "timing: real AWS latencies and cold starts differ")
    ]  # fmt: skip
    assert cost.differences(lab) == []  # a suspect is not a difference until the lab marks it


def test_differences_are_the_cells_the_notebook_marks(tmp_path: Path) -> None:
    lab = notebook(tmp_path / "07-demo.ipynb", "x = 1", "# On real AWS: x\ny = 2", "z = 3")
    cells = json.loads(lab.read_text())
    cells["cells"].insert(0, {"cell_type": "markdown", "source": "## Step 1: Demo", "metadata": {}})
    cells["cells"][1]["metadata"]["tags"] = [cost.TAG]  # a tag without a note: listed, note ""
    cells["cells"][3]["metadata"]["tags"] = ["remove-output", cost.TAG]
    cells["cells"][3]["source"] = (
        "%%lambda demo\n# On real AWS: takes longer\ndef handler(e, c): pass"
    )
    lab.write_text(json.dumps(cells))
    assert cost.differences(lab) == [(1, ""), (3, "takes longer")]  # cell 2: a note, no tag
    assert cost.marked(lab)[1] == cost.Marked(3, "Step 1: Demo", "takes longer")


def test_every_lab_has_an_estimate_under_ten_dollars() -> None:
    for lab in sorted((ROOT / "labs").glob("[0-9][0-9]-*.ipynb")):
        plan = cost.plan(lab)
        bound = cost.estimate(plan).upper_bound_usd
        assert 0 < bound < 10, (lab.name, bound)
        assert cost.differences(lab), lab.name  # every lab has steps that differ


def test_connect_shows_the_estimate_before_anything_is_created(
    aws: LocalAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.DEFAULT_SESSION)
    said: list[str] = []
    real = target.connect(
        aws.region,
        f"{ACCOUNT}/{aws.region}",
        lab="lambda-invocation",
        account_of=lambda profile, region: ACCOUNT,
        say=said.append,
    )
    try:
        assert len(said) == 1
        assert "Cost estimate for lab 'lambda-invocation'" in said[0]
        assert "li-limits 512 MB/5 s" in said[0]
        assert "Cells of 01-lambda-invocation.ipynb that differ on real AWS" in said[0]
        shown = cost.marked(ROOT / "labs" / "01-lambda-invocation.ipynb")
        for cell in shown:  # every note the notebook shows, with its cell and step
            assert f"  cell {cell.number} ({cell.step}): {cell.note}\n" in said[0] + "\n"
        listed = [line for line in said[0].splitlines() if line.startswith("  cell ")]
        assert len(listed) == len(shown) > 0
        assert real.estimate is not None and 0 < real.estimate.upper_bound_usd < 5
        assert f"${real.estimate.upper_bound_usd:.2f}" in said[0]
    finally:
        real.stop()


def test_plain_boto3_clients_tag_what_they_create_until_stop(
    aws: LocalAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.DEFAULT_SESSION)
    lab = f"plain-{uuid.uuid4().hex[:8]}"
    real = target.connect(
        aws.region,
        f"{ACCOUNT}/{aws.region}",
        lab=lab,
        account_of=lambda profile, region: ACCOUNT,
        say=lambda text: None,
    )
    local = {"endpoint_url": aws.endpoint, "region_name": aws.region}
    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    try:
        sqs = boto3.client("sqs", **local, **keys)  # a notebook's own client, no lablib
        url = sqs.create_queue(QueueName=f"q-{lab}")["QueueUrl"]
        sns = boto3.client("sns", **local, **keys)
        topic = sns.create_topic(Name=f"t-{lab}")["TopicArn"]
    finally:
        real.stop()
    untagged = boto3.client("sqs", **local, **keys).create_queue(QueueName=f"u-{lab}")
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {TAG_KEY: lab}

    def remote(service: str) -> object:
        return aws.client(service, allow_remote=True, endpoint_url=aws.endpoint)

    found = cleanup.find(remote, lab)
    assert {(t.service, t.name) for t in found.found} == {("sqs", url), ("sns", topic)}
    assert not sqs.list_queue_tags(QueueUrl=untagged["QueueUrl"]).get("Tags")
    assert cleanup.delete(remote, found).failed == []


def test_the_call_budget_refuses_calls_past_the_estimate(aws: LocalAWS) -> None:
    lab = f"budget-{uuid.uuid4().hex[:8]}"
    real = RealAWS(ACCOUNT, aws.region, lab, endpoint=aws.endpoint)
    real.budget = cost.CallBudget(lab, limit=3)
    sqs = real.client("sqs", aws_access_key_id="testing", aws_secret_access_key="testing")
    url = sqs.create_queue(QueueName=f"q-{lab}")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="1")
    sqs.send_message(QueueUrl=url, MessageBody="2")
    with pytest.raises(cost.BudgetExceeded, match=f"lablib cleanup --lab {lab}"):
        sqs.send_message(QueueUrl=url, MessageBody="3")
    assert real.budget.calls == 4
    aws.client("sqs").delete_queue(QueueUrl=url)
