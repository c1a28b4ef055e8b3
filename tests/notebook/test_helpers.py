"""Notebook helpers against the local AWS (boto3 only): deploy, invoke, logs, charts, cost."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from lablib import notebook as nb
from lablib.aws.server import LocalAWS

PNG = b"\x89PNG\r\n\x1a\n"
CODE = "print('init')\ndef handler(event, context):\n    print('event', event)\n    return event\n"


def name() -> str:
    return f"nbt-{uuid.uuid4().hex[:8]}"


def test_deploy_creates_then_updates_only_what_changed(local: LocalAWS) -> None:
    fn = name()
    first = nb.deploy_code(fn, CODE, memory=256, environment={"A": "1"})
    assert first.action == "created" and first.configuration["State"] == "Active"
    again = nb.deploy_code(fn, CODE, memory=256, environment={"A": "1"})
    assert (again.action, again.changes) == ("unchanged", [])
    code = nb.deploy_code(fn, CODE + "# v2\n", memory=256, environment={"A": "1"})
    assert code.changes == ["code"]
    config = nb.deploy_code(fn, CODE + "# v2\n", memory=512, timeout=9)
    assert config.changes == ["Environment", "MemorySize", "Timeout"]
    got = local.client("lambda").get_function_configuration(FunctionName=fn)
    assert (got["MemorySize"], got["Timeout"]) == (512, 9)
    assert (got.get("Environment") or {}).get("Variables", {}) == {}
    assert got["Role"].endswith(":role/lablib-lambda-role")
    assert "updated" in repr(config) and "512 MB" in repr(config)


def test_deploy_from_labs_functions(local: LocalAWS) -> None:
    deployed = nb.deploy("lambda-invocation", "hello", name=name())
    assert deployed.configuration["Handler"] == "hello.handler"
    view = nb.invoke(deployed.name, {"name": "Ada"})
    assert view.payload["greeting"] == "hello, Ada" and view.status == 200


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nb.deploy("lambda-invocation", "nope"), "handlers of lab 'lambda-invocation': "),
        (lambda: nb.deploy_code("bad name!", CODE), "function name 'bad name!' is invalid"),
        (lambda: nb.deploy_code("ok-name", CODE, memory=64), "memory 64 MB is out of range"),
        (lambda: nb.deploy_code("ok-name", CODE, timeout=901), "timeout 901 s is out of range"),
        (lambda: nb.deploy_code("ok-name", "def handler(:\n"), "line 1"),
    ],
)
def test_bad_deploy_input_is_explained(local: LocalAWS, call: Any, message: str) -> None:
    with pytest.raises(nb.DeployError, match=message.replace("(", r"\(")):
        call()
    lam = local.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="ok-name")


def test_invoke_logs_and_timeline_mark_cold_and_warm(local: LocalAWS) -> None:
    fn = name()
    nb.deploy_code(fn, CODE)
    cold, warm = nb.invoke(fn, {"n": 1}), nb.invoke(fn, {"n": 2})
    assert cold.cold and not warm.cold
    assert "(cold start)" in cold.summary() and "billed" in warm.summary()
    assert cold.log is not None and "init" not in cold.log.lines  # the tail is START..REPORT
    view = nb.logs(fn)
    assert "init" in view.lines  # init-phase output is in the log stream
    assert [b.cold for b in view.blocks] == [True, False]
    assert "[COLD START]" in repr(view) and "cold start" in view._repr_html_()
    assert "REPORT RequestId" in view._repr_html_()
    one = nb.logs(fn, warm.request_id)
    assert len(one.blocks) == 1 and "event {'n': 2}" in one.lines
    runs = nb.invocations(fn)
    assert runs[0].init_ms is not None and runs[1].init_ms is None
    assert runs[1].billed_ms is not None and runs[1].billed_ms >= 1
    chart = nb.timeline(fn)
    assert "cold" in repr(chart) and "warm" in repr(chart)
    assert chart.png().startswith(PNG)


def test_failed_init_has_a_log_tail_and_counts_as_cold(local: LocalAWS) -> None:
    fn = name()
    nb.deploy_code(
        fn, "raise ValueError('no config')\ndef handler(event, context):\n    return 1\n"
    )
    view = nb.invoke(fn, {})
    assert view.function_error == "Unhandled"
    assert view.log is not None, "LogType=Tail must come back when init fails too"
    text = "\n".join(view.log.lines)
    assert text.startswith("START RequestId") and "REPORT RequestId" in text  # as on AWS
    assert "Status: error" in text and "Init Duration" in text
    assert view.cold and "(cold start)" in view.summary()
    assert "(warm)" not in view.summary()


def test_tail_needs_log_result(local: LocalAWS) -> None:
    fn = name()
    nb.deploy_code(fn, CODE)
    response = local.client("lambda").invoke(FunctionName=fn, Payload=b"{}")
    with pytest.raises(ValueError, match="LogType='Tail'"):
        nb.tail(response)


def test_burst_throttles_above_reserved_concurrency(local: LocalAWS) -> None:
    fn = name()
    nb.deploy_code(fn, "import time\ndef handler(e, c):\n    time.sleep(0.4)\n")
    local.client("lambda").put_function_concurrency(FunctionName=fn, ReservedConcurrentExecutions=2)
    burst = nb.burst(fn, 6)
    assert burst.counts == {200: 2, 429: 4}
    assert "ReservedFunctionConcurrentInvocationLimitExceeded" in repr(burst)
    assert burst._repr_png_().startswith(PNG)
    summary = nb.metric_summary(fn, ["Invocations", "Throttles"])
    assert summary == {"Invocations": 2.0, "Throttles": 4.0}
    assert nb.metrics(fn, ["Invocations", "Throttles"]).png().startswith(PNG)


def test_cost_arithmetic() -> None:
    cost = nb.lambda_cost(1024, 100, requests=1_000_000)
    assert cost.gb_seconds == pytest.approx(100_000)
    assert cost.compute_usd == pytest.approx(1.66667)
    assert cost.total_usd == pytest.approx(1.86667)
    assert nb.lambda_cost(128, 0.2).billed_ms == 1 and nb.lambda_cost(128, 41.01).billed_ms == 42
    arm = nb.lambda_cost(1024, 100, 1_000_000, "arm64")
    assert arm.compute_usd < cost.compute_usd
    assert nb.cheapest({128: 800, 256: 300, 512: 160}) == 256
    with pytest.raises(ValueError, match="128 to 10240"):
        nb.lambda_cost(64, 10)
    assert "cheapest: 256 MB" in repr(nb.cost_curve({128: 800, 256: 300}))
    assert isinstance(nb.cost_calculator(), nb.Cost)  # no kernel here: plain numbers


def test_table_text_and_html() -> None:
    table = nb.Table(["a", "b"], [[1, "x<y"]], "title")
    assert repr(table).splitlines() == ["title", "a  b", "-  ---", "1  x<y"]
    assert "x&lt;y" in table._repr_html_()


def test_watch_redeploys_an_edited_handler_file(
    local: LocalAWS, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    import os

    folder = tmp_path / "demo-lab"
    folder.mkdir()
    source = folder / "app.py"
    source.write_text("def handler(e, c):\n    return 'v1'\n")
    monkeypatch.setenv("LABLIB_FUNCTIONS_DIR", str(tmp_path))
    fn = name()
    nb.deploy("demo-lab", "app", name=fn)
    assert nb.invoke(fn).payload == "v1"
    source.write_text("def handler(e, c):\n    return 'v2'\n")
    os.utime(source, (1, 1))  # a different mtime, whatever the clock resolution
    assert nb.invoke(fn).payload == "v1"  # not watching: nothing happens
    try:
        assert "hot reload on" in nb.watch()
        view = nb.invoke(fn)
        assert view.payload == "v2" and view.cold
        assert "app.py changed on disk: redeployed" in capsys.readouterr().out
        assert not nb.invoke(fn).cold  # unchanged since: no redeploy
    finally:
        nb.watch(False)
