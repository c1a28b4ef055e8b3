"""``lablib deploy TEMPLATE``: package, lint and deploy a (SAM) template to a local AWS.

Add ``"lablib.sam.commands"`` to ``lablib.cli._COMMAND_MODULES`` to enable it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "deploy",
        help="deploy a CloudFormation/SAM template to the local AWS",
        description=(
            "Build and package local artefacts to S3 as sam build + sam package do (code folders "
            "with their requirements.txt / package.json dependencies, layers, state machine and "
            "API definitions, AWS::Include files), check the template with cfn-lint, then "
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
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="do not install requirements.txt / package.json dependencies (sam build's step)",
    )
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
    from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

    try:
        result = deploy(
            args.template,
            stack_name,
            cfn,
            s3,
            parameters,
            run_lint=not args.no_lint,
            build=not args.no_build,
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except DeployError as exc:
        print(f"lablib deploy: {exc}", file=sys.stderr)
        return 1
    except (EndpointConnectionError, ConnectionClosedError):
        print(
            f"lablib deploy: nothing answers at {endpoint}: is `lablib serve` running? "
            'An endpoint from an earlier session goes stale; run `eval "$(lablib env)"` '
            "to use the running one.",
            file=sys.stderr,
        )
        return 1
    for finding in result.lint:
        print(f"cfn-lint: {finding}")
    print(
        f"{result.stack_name}: {result.status}" + (f" ({result.reason})" if result.reason else "")
    )
    for key, value in result.outputs.items():
        local = local_url(str(value), endpoint)
        print(f"  output {key} = {value}" + (f"\n    on the local AWS: {local}" if local else ""))
    for event in result.events:
        if event["ResourceStatus"].endswith("FAILED"):
            print(
                f"  {event['LogicalResourceId']}: {event['ResourceStatus']}: "
                f"{event['ResourceStatusReason']}"
            )
        elif str(event.get("ResourceStatusReason") or "").startswith("lablib: "):
            print(f"  warning {event['LogicalResourceId']}: {event['ResourceStatusReason']}")
    return 0 if result.ok else 1


_EXECUTE_API = re.compile(
    r"^https://(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com/(?P<stage>[^/?#]+)"
    r"(?P<path>/[^?#]*)?(?P<rest>.*)$"
)


def local_url(url: str, endpoint: str) -> str | None:
    """The local stage URL for a real API Gateway invoke URL (as templates output them)."""
    found = _EXECUTE_API.match(url)
    if found is None:
        return None
    path = found["path"] or "/"
    return (
        f"{endpoint}/restapis/{found['api']}/{found['stage']}/_user_request_{path}{found['rest']}"
    )
