"""lablib against serverless-offline (Node, no Docker), same workloads, one run.

Run: `.venv/bin/python benchmarks/peers.py [--calls N] [--rounds R] [--clients C] [--seconds S]`.
Both servers run at once and are measured in turns (R alternating batches of sequential calls).
Workloads, all warm and over 127.0.0.1 only:
- sync Invoke: a boto3 `invoke` loop (serverless-offline's Lambda endpoint vs `lablib serve`);
- API Gateway Lambda-proxy GET: a `requests` GET loop on the stage URL;
- throughput under C concurrent clients (requests/s, p99) for both paths, and SQS-to-handler
  messages/s for lablib (serverless-offline has no SQS).
serverless@3 + serverless-offline@13 are installed with npm into build/peers-npm (skipped with
a message when `npm`/`node` are missing or the install fails). Every process started here is
stopped at the end (process groups). Nothing is asserted; numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import io
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
NPM_DIR = BUILD / "peers-npm"
PY_HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"
JS_HANDLER = "exports.hello = async () => ({ statusCode: 200, body: 'ok' });\n"
SLS_YML = """service: peers
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
  stage: dev
functions:
  hello:
    handler: handler.hello
    events:
      - http: {path: proxy, method: get}
plugins:
  - serverless-offline
"""
CONFIG = Config(retries={"total_max_attempts": 1}, max_pool_connections=64, read_timeout=60)
Row = tuple[str, float, float]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
    )


def _loop(call: Callable[[], object], n: int) -> list[float]:
    for _ in range(min(20, n)):  # warm: environment, connection pool
        call()
    times = []
    for _ in range(n):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def _concurrent(make: Callable[[], Callable[[], object]], clients: int, seconds: float) -> Row:
    """requests/s and p99 (ms) with ``clients`` threads, each with its own client."""
    calls = [make() for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    def worker(call: Callable[[], object]) -> list[float]:
        mine = []
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            call()
            mine.append((time.perf_counter() - began) * 1000)
        return mine

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        latencies = [x for part in pool.map(worker, calls) for x in part]
    elapsed = time.perf_counter() - began
    return ("", len(latencies) / elapsed, _pct(latencies, 0.99))


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Stop ``proc`` (it stops its own children), then whatever is left in its process
    group (started with ``start_new_session``), and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers in the group, if any
    except (ProcessLookupError, PermissionError):
        pass


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", PY_HANDLER)
    return buffer.getvalue()


@contextmanager
def lablib_served(source: str | None = None) -> Iterator[tuple[str, str, int]]:
    """`lablib serve` in its own process; yields (endpoint, stage URL of GET /proxy, its
    process group).
    ``source``: a directory holding another lablib package to serve instead (a baseline)."""
    env = dict(os.environ, LABLIB_HOME=str(BUILD / "peers-home"))
    if source:
        # `python -m` puts the working directory first on sys.path, ahead of PYTHONPATH: the
        # baseline runs from its own tree (cwd below). The runtime environments are shared;
        # each lablib version stages its own runtime client in them.
        env["PYTHONPATH"] = source
        env["LABLIB_HOME"] = str(BUILD / "peers-baseline-home")
    BUILD.mkdir(exist_ok=True)
    # function logs go to a file: keep the table readable
    log = (BUILD / ("peers-baseline.log" if source else "peers-lablib.log")).open("w")
    proc = subprocess.Popen([sys.executable, "-m", "lablib", "serve"], stdout=subprocess.PIPE,
                            stderr=log, text=True, env=env, start_new_session=True,
                            cwd=source or ROOT)  # fmt: skip
    try:
        assert proc.stdout is not None
        endpoint = proc.stdout.readline().strip().split("=", 1)[1]
        s = _session()
        role = s.client("iam", endpoint_url=endpoint).create_role(
            RoleName="peers", AssumeRolePolicyDocument="{}")["Role"]["Arn"]  # fmt: skip
        lam = s.client("lambda", endpoint_url=endpoint, config=CONFIG)
        lam.create_function(FunctionName="hello", Runtime="python3.12", Role=role,
                            Handler="app.handler", Code={"ZipFile": _zip()})  # fmt: skip
        lam.add_permission(FunctionName="hello", StatementId="apigw", Principal=
                           "apigateway.amazonaws.com", Action="lambda:InvokeFunction")  # fmt: skip
        ag = s.client("apigateway", endpoint_url=endpoint)
        api = ag.create_rest_api(name="peers")["id"]
        root = ag.get_resources(restApiId=api)["items"][0]["id"]
        res = ag.create_resource(restApiId=api, parentId=root, pathPart="proxy")["id"]
        ag.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
        uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
               "arn:aws:lambda:us-east-1:123456789012:function:hello/invocations")  # fmt: skip
        ag.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                           integrationHttpMethod="POST", uri=uri)  # fmt: skip
        ag.create_deployment(restApiId=api, stageName="dev")
        yield endpoint, f"{endpoint}/restapis/{api}/dev/_user_request_/proxy", proc.pid
    finally:
        _stop(proc)
        log.close()
        if proc.stdout is not None:
            proc.stdout.close()


def _npm_install() -> str | None:
    """Install serverless@3 + serverless-offline@13 under build/; None or why not."""
    if not (shutil.which("npm") and shutil.which("node")):
        return "npm/node not found"
    if (NPM_DIR / "node_modules" / "serverless-offline" / "package.json").exists():
        return None
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    (NPM_DIR / "package.json").write_text('{"name": "peers", "private": true}\n')
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "serverless@3",
                           "serverless-offline@13"], cwd=NPM_DIR, capture_output=True,
                          text=True, timeout=900)  # fmt: skip
    return None if done.returncode == 0 else f"npm install failed: {done.stderr[-400:]}"


@contextmanager
def offline_served() -> Iterator[tuple[str, str, int]]:
    """serverless-offline on 127.0.0.1; yields (Lambda endpoint, URL of GET /proxy, its
    process group)."""
    (NPM_DIR / "handler.js").write_text(JS_HANDLER)
    (NPM_DIR / "serverless.yml").write_text(SLS_YML)
    http_port, lambda_port = _free_port(), _free_port()
    cli = NPM_DIR / "node_modules" / "serverless" / "bin" / "serverless.js"
    env = dict(os.environ, SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off",
               AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")  # fmt: skip
    log = (BUILD / "peers-offline.log").open("w")
    proc = subprocess.Popen(
        ["node", str(cli), "offline", "start", "--host", "127.0.0.1", "--httpPort",
         str(http_port), "--lambdaPort", str(lambda_port), "--noTimeout"],
        cwd=NPM_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{http_port}/dev/proxy"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(url, timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            raise RuntimeError(f"serverless-offline did not start; see {log.name}")
        yield f"http://127.0.0.1:{lambda_port}", url, proc.pid
    finally:
        _stop(proc)
        log.close()


def _invoker(endpoint: str, name: str) -> Callable[[], Callable[[], object]]:
    def make() -> Callable[[], object]:
        lam = _session().client("lambda", endpoint_url=endpoint, config=CONFIG)

        def call() -> object:
            answer = lam.invoke(FunctionName=name, Payload=b'{"k": 1}')
            return answer["Payload"].read()

        return call

    return make


def _getter(url: str) -> Callable[[], Callable[[], object]]:
    def make() -> Callable[[], object]:
        session = requests.Session()

        def call() -> object:
            answer = session.get(url, timeout=60)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {url}: {answer.status_code} {answer.text[:200]}")
            return answer.content

        return call

    return make


def _sqs_rate(endpoint: str, messages: int) -> float:
    """Messages/s from an SQS queue through an event source mapping to the handler."""
    s = _session()
    sqs, lam = s.client("sqs", endpoint_url=endpoint), s.client("lambda", endpoint_url=endpoint)
    url = sqs.create_queue(QueueName="peers-sqs")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    mapping = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="hello", BatchSize=10, Enabled=False
    )
    for start in range(0, messages, 10):
        entries = [{"Id": str(j), "MessageBody": json.dumps({"n": start + j})} for j in range(10)]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    began = time.perf_counter()
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    while time.perf_counter() - began < 120:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if sum(int(attrs[n]) for n in names) == 0:
            break
        time.sleep(0.02)
    return messages / (time.perf_counter() - began)


Side = tuple[str, str, str, int]  # (Lambda endpoint, function name, GET URL, process group)
CPU: dict[str, dict[str, tuple[float, float]]] = {}  # side -> path -> (server, client) ms/req


def _group_cpu_s(group: int) -> float:
    """CPU seconds (user + system) used so far by the processes of a session: the server and
    everything it started (lablib's zygotes and workers lead process groups of their own, so
    a process group would leave the handler's side out; serverless-offline runs its handlers
    in its own process)."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == group:  # the session (both servers start a new one)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _measure(sides: dict[str, Side], args: argparse.Namespace) -> dict[str, dict[str, Row]]:
    """Both servers in turns: sequential calls in ``args.rounds`` alternating batches (so a
    change in the machine's load hits both alike), then each concurrent run back to back."""
    out: dict[str, dict[str, Row]] = {who: {} for who in sides}
    for label in ("invoke", "get"):
        calls = {
            who: (_invoker(ep, name) if label == "invoke" else _getter(url))()
            for who, (ep, name, url, _) in sides.items()
        }
        times: dict[str, list[float]] = {who: [] for who in sides}
        spent = {who: [0.0, 0.0, 0] for who in sides}  # server CPU s, client CPU s, calls
        batch = max(1, args.calls // args.rounds)
        for _ in range(args.rounds):
            for who, call in calls.items():
                server, client = _group_cpu_s(sides[who][3]), time.process_time()
                times[who] += _loop(call, batch)
                spent[who][1] += time.process_time() - client
                spent[who][0] += _group_cpu_s(sides[who][3]) - server
                spent[who][2] += batch + min(20, batch)
        for who in sides:
            out[who][label] = (label, statistics.median(times[who]), _pct(times[who], 0.95))
            server_s, client_s, count = spent[who]
            CPU.setdefault(who, {})[label] = (1000 * server_s / count, 1000 * client_s / count)
        for who, (ep, name, url, _) in sides.items():
            make = _invoker(ep, name) if label == "invoke" else _getter(url)
            out[who][label + "-c"] = _concurrent(make, args.clients, args.seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--sqs-messages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10, help="alternating batches")
    parser.add_argument(
        "--baseline",
        help="a directory with another lablib package (e.g. `git archive` of an older commit): "
        "served too, measured in the same turns, printed as its own rows",
    )
    args = parser.parse_args()
    why = _npm_install()
    peer: dict[str, Row] | None = None
    with lablib_served() as (endpoint, url, group), contextlib.ExitStack() as stack:
        sides: dict[str, Side] = {"lablib": (endpoint, "hello", url, group)}
        if why is None:
            try:
                lambda_endpoint, offline_url, peer_group = stack.enter_context(offline_served())
                sides["peer"] = (lambda_endpoint, "peers-dev-hello", offline_url, peer_group)
            except Exception as exc:
                why = f"serverless-offline run failed: {exc}"
        if args.baseline:
            base_endpoint, base_url, base_group = stack.enter_context(lablib_served(args.baseline))
            sides["baseline"] = (base_endpoint, "hello", base_url, base_group)
        measured = _measure(sides, args)
        mine, peer = measured["lablib"], measured.get("peer")
        try:
            sqs = f"{_sqs_rate(endpoint, args.sqs_messages):.0f}"
        except Exception as exc:  # report, do not hide: the row says why
            sqs = f"failed: {exc}"[:80]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"lablib vs serverless-offline on {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {load:.1f}; {args.calls} "
          f"sequential calls in {args.rounds} alternating rounds, {args.clients} clients "
          f"for {args.seconds:.0f} s")  # fmt: skip
    if peer is None:
        print(f"serverless-offline skipped: {why}")
    print()
    print("| path | lablib | serverless-offline | ratio |")
    print("|---|---|---|---|")
    for key, label in (("invoke", "sync Invoke"), ("get", "API Gateway Lambda-proxy GET")):
        a = mine[key]
        b = peer[key] if peer else None
        other = f"{b[1]:.2f} ms (p95 {b[2]:.2f})" if b else "-"
        ratio = f"{a[1] / b[1]:.2f}" if b else "-"
        print(f"| {label} p50 | {a[1]:.2f} ms (p95 {a[2]:.2f}) | {other} | {ratio} |")
        a, b = mine[key + "-c"], peer[key + "-c"] if peer else None
        other = f"{b[1]:.0f} req/s (p99 {b[2]:.1f} ms)" if b else "-"
        ratio = f"{a[1] / b[1]:.2f}" if b else "-"
        print(f"| {label}, {args.clients} clients | {a[1]:.0f} req/s (p99 {a[2]:.1f} ms) "
              f"| {other} | {ratio} |")  # fmt: skip
    print(f"| SQS to handler, BatchSize 10 | {sqs} msg/s | - (no SQS) | - |")
    print("\nCPU per sequential request (ms; server: the server's whole session, "
          "workers included; client: this process, boto3/requests):\n")  # fmt: skip
    print("| side | Invoke server | Invoke client | GET server | GET client |")
    print("|---|---|---|---|---|")
    for who, paths in CPU.items():
        iv, gt = paths["invoke"], paths["get"]
        print(f"| {who} | {iv[0]:.2f} | {iv[1]:.2f} | {gt[0]:.2f} | {gt[1]:.2f} |")
    base = measured.get("baseline")
    if base:
        print(f"\nBaseline ({args.baseline}), same turns:\n")
        print("| path | baseline lablib | lablib | lablib / baseline |")
        print("|---|---|---|---|")
        for key, label in (("invoke", "sync Invoke p50"), ("get", "Lambda-proxy GET p50")):
            a, b = mine[key], base[key]
            print(f"| {label} | {b[1]:.2f} ms (p95 {b[2]:.2f}) | {a[1]:.2f} ms (p95 "
                  f"{a[2]:.2f}) | {a[1] / b[1]:.2f} |")  # fmt: skip
            a, b = mine[key + "-c"], base[key + "-c"]
            print(f"| {label[:-4]}, {args.clients} clients | {b[1]:.0f} req/s (p99 {b[2]:.1f} "
                  f"ms) | {a[1]:.0f} req/s (p99 {a[2]:.1f} ms) | {a[1] / b[1]:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
