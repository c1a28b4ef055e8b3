"""``lablib deploy TEMPLATE``: package, lint and deploy a (SAM) template to a local AWS.

Add ``"lablib.sam.commands"`` to ``lablib.cli._COMMAND_MODULES`` to enable it.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "deploy",
        help="deploy a CloudFormation/SAM template to the local AWS",
        description=(
            "Package local CodeUri folders to S3, check the template with cfn-lint, then "
            "create or update the stack and print its status, outputs and failed events. "
            "Needs a running local AWS: start `lablib serve` and export the "
            "AWS_ENDPOINT_URL line it prints (or pass --endpoint)."
        ),
    )
    parser.add_argument("template", help="template file (YAML or JSON)")
    parser.add_argument("--stack-name", help="stack name (default: the template's file name)")
    parser.add_argument(
        "--parameter",
        "-p",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template parameter (repeatable)",
    )
    parser.add_argument("--endpoint", help="local AWS endpoint (default: $AWS_ENDPOINT_URL)")
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    parser.add_argument("--no-lint", action="store_true", help="skip the cfn-lint check")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import boto3

    from lablib.aws.guard import require_loopback
    from lablib.sam.deploy import DeployError, deploy

    endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        print(
            "lablib deploy: no local AWS endpoint. Start `lablib serve` in another terminal, "
            "then export the AWS_ENDPOINT_URL=... line it prints (or pass --endpoint).",
            file=sys.stderr,
        )
        return 2
    endpoint = require_loopback(endpoint)
    parameters: dict[str, str] = {}
    for item in args.parameter:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(f"lablib deploy: --parameter {item!r} must look like KEY=VALUE", file=sys.stderr)
            return 2
        parameters[key] = value
    stack_name = args.stack_name or os.path.splitext(os.path.basename(args.template))[0]
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=args.region
    )
    cfn = session.client("cloudformation", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    try:
        result = deploy(args.template, stack_name, cfn, s3, parameters, run_lint=not args.no_lint)
    except DeployError as exc:
        print(f"lablib deploy: {exc}", file=sys.stderr)
        return 1
    for finding in result.lint:
        print(f"cfn-lint: {finding}")
    print(
        f"{result.stack_name}: {result.status}" + (f" ({result.reason})" if result.reason else "")
    )
    for key, value in result.outputs.items():
        print(f"  output {key} = {value}")
    for event in result.events:
        if event["ResourceStatus"].endswith("FAILED"):
            print(
                f"  {event['LogicalResourceId']}: {event['ResourceStatus']}: "
                f"{event['ResourceStatusReason']}"
            )
    return 0 if result.ok else 1
