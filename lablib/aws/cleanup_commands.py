"""`lablib cleanup [--lab L] [--endpoint URL] [--yes]`: delete what a lab tagged."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "cleanup",
        help="find (and with --yes delete) resources tagged lablib:lab=<lab>",
        description=(
            "Lists Lambda functions, SQS queues, SNS topics, DynamoDB tables, S3 buckets, state "
            "machines, REST APIs and IAM roles tagged lablib:lab (=LAB with --lab) and, with "
            "--yes, deletes them, listing what could not be deleted. Without --endpoint it "
            "uses real AWS (your profile) and needs --confirm ACCOUNT/REGION or "
            "LABLIB_CONFIRM_AWS, as lablib.start(target='aws') does."
        ),
    )
    p.add_argument("--lab", default=None, help="only this lab's resources (default: every lab)")
    p.add_argument("--endpoint", default=None, help="an AWS endpoint, e.g. a lablib serve")
    p.add_argument("--region", default=None, help="default: AWS_DEFAULT_REGION or us-east-1")
    p.add_argument("--profile", default=None, help="AWS profile for real AWS")
    p.add_argument("--confirm", default=None, metavar="ACCOUNT/REGION")
    p.add_argument("--yes", action="store_true", help="delete (default: only list)")
    p.set_defaults(handler=cmd_cleanup)


def _client_for(args: argparse.Namespace, region: str) -> Any:
    import boto3

    from lablib.aws import target
    from lablib.aws.guard import is_loopback

    if args.endpoint is not None and is_loopback(args.endpoint):
        kwargs: dict[str, Any] = {"endpoint_url": args.endpoint, "region_name": region}
        kwargs.update(aws_access_key_id="testing", aws_secret_access_key="testing")
        return lambda service: boto3.client(service, **kwargs)
    # anything not on this machine is treated as real AWS: the confirmation comes first
    real = target.connect(
        region, args.confirm, lab=args.lab, profile=args.profile, starting_lab=False
    )
    if args.endpoint is not None:
        remote = boto3.Session(profile_name=real.profile, region_name=region)
        return lambda service: remote.client(service, endpoint_url=args.endpoint)
    session = boto3.Session(profile_name=real.profile, region_name=region)
    return session.client


def cmd_cleanup(args: argparse.Namespace) -> int:
    from lablib.aws import cleanup
    from lablib.aws.target import ConfirmationRequired

    region = args.region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    try:
        client_for = _client_for(args, region)
    except ConfirmationRequired as exc:
        print(f"lablib cleanup: {exc}", file=sys.stderr)
        return 2
    outcome = cleanup.find(client_for, args.lab)
    what = f"lab {args.lab}" if args.lab else "any lab"
    print(f"{len(outcome.found)} resource(s) tagged for {what}:")
    for item in outcome.found:
        print(f"  {item.service:<14} {item.name}  (lablib:lab={item.lab})")
    if not args.yes:
        if outcome.found:
            print("nothing deleted: run again with --yes to delete them")
    else:
        cleanup.delete(client_for, outcome)
        print(f"deleted {len(outcome.deleted)} of {len(outcome.found)}")
    for thing, why in outcome.failed:
        name = thing if isinstance(thing, str) else f"{thing.service} {thing.name}"
        print(f"NOT deleted: {name}: {why}", file=sys.stderr)
    return 1 if outcome.failed else 0
