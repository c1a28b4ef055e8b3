"""API Gateway data plane benchmark: a Lambda proxy request (and a Mock request, which has
no backend) through the whole handler chain against an in-process local AWS.

Run: .venv/bin/python benchmarks/apigateway.py [--requests N] [--threads T]
Prints a table: p50 / p95 latency of sequential requests, and requests per second with T
concurrent clients.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import io
import os
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

import lablib  # noqa: E402

HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return buffer.getvalue()


def _build(aws: lablib.LocalAWS) -> str:
    lam, ag = aws.client("lambda"), aws.client("apigateway")
    role = aws.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument="{}")
    lam.create_function(
        FunctionName="bench", Runtime="python3.12", Role=role["Role"]["Arn"],
        Handler="app.handler", Code={"ZipFile": _zip()},
    )  # fmt: skip
    lam.add_permission(
        FunctionName="bench", StatementId="apigw", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )  # fmt: skip
    api = ag.create_rest_api(name="bench")["id"]
    root = ag.get_resources(restApiId=api)["items"][0]["id"]
    for part, integration in (
        ("proxy", {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri":
                   "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                   "arn:aws:lambda:us-east-1:123456789012:function:bench/invocations"}),
        ("mock", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}),
    ):  # fmt: skip
        res = ag.create_resource(restApiId=api, parentId=root, pathPart=part)["id"]
        ag.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
        ag.put_integration(restApiId=api, resourceId=res, httpMethod="GET", **integration)
        if part == "mock":
            ag.put_method_response(
                restApiId=api, resourceId=res, httpMethod="GET", statusCode="200"
            )
            ag.put_integration_response(
                restApiId=api, resourceId=res, httpMethod="GET", statusCode="200",
                responseTemplates={"application/json": '{"ok": true}'},
            )  # fmt: skip
    ag.create_deployment(restApiId=api, stageName="prod")
    return f"{aws.endpoint}/restapis/{api}/prod/_user_request_"


def _sequential(url: str, n: int) -> list[float]:
    session = requests.Session()
    times = []
    for _ in range(n):
        began = time.perf_counter()
        answer = session.get(url, timeout=30)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, answer.text
    return times


def _throughput(url: str, threads: int, seconds: float) -> float:
    deadline = time.perf_counter() + seconds

    def worker() -> int:
        session, count = requests.Session(), 0
        while time.perf_counter() < deadline:
            if session.get(url, timeout=30).status_code == 200:
                count += 1
        return count

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(lambda _: worker(), range(threads)))
    return total / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    aws = lablib.start()
    try:
        base = _build(aws)
        rows = []
        for label, path in (("Lambda proxy", "/proxy"), ("Mock (no backend)", "/mock")):
            _sequential(base + path, 20)  # warm: cold start, snapshot, sessions
            times = sorted(_sequential(base + path, args.requests))
            p95 = times[int(len(times) * 0.95) - 1]
            rps = _throughput(base + path, args.threads, args.seconds)
            rows.append((label, statistics.median(times), p95, rps))
    finally:
        aws.stop()
    print(f"API Gateway data plane, {os.cpu_count()} cores, {args.requests} sequential requests,"
          f" {args.threads} clients for {args.seconds:.0f} s")  # fmt: skip
    print(f"| {'request':<18} | {'p50 ms':>7} | {'p95 ms':>7} | {'req/s':>7} |")
    print(f"|{'-' * 20}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for label, p50, p95, rps in rows:
        print(f"| {label:<18} | {p50:7.2f} | {p95:7.2f} | {rps:7.0f} |")


if __name__ == "__main__":
    main()
