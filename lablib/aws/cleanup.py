"""Find and delete what a lab created: resources tagged ``lablib:lab=<lab>``.

The Resource Groups Tagging API does not cover every service a lab uses (IAM roles, API
Gateway REST APIs, Step Functions), so each service is listed and its tags read on its own:
Lambda functions, SQS queues, SNS topics, DynamoDB tables, S3 buckets (emptied first), state
machines, REST APIs and IAM roles (policies detached first). A failure to list or delete one
resource is reported and the rest go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lablib.aws.tagging import TAG_KEY

ClientFor = Callable[[str], Any]
MAX_ITEMS = 10_000  # per service: a bound on what one cleanup walks


@dataclass(frozen=True)
class Tagged:
    service: str
    name: str  # the id the delete call takes
    lab: str


def _kv(tags: list[dict[str, str]], key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {t[key]: t[value] for t in tags}


def _pages(client: Any, op: str, key: str, **kwargs: Any) -> Iterator[Any]:
    count = 0
    for page in client.get_paginator(op).paginate(**kwargs):
        for item in page.get(key, []):
            count += 1
            if count > MAX_ITEMS:
                return
            yield item


def _lambda(c: Any) -> Iterator[tuple[str, dict[str, str]]]:
    for fn in _pages(c, "list_functions", "Functions"):
        yield fn["FunctionName"], c.list_tags(Resource=fn["FunctionArn"]).get("Tags", {})


def _sqs(c: Any) -> Iterator[tuple[str, dict[str, str]]]:
    for url in _pages(c, "list_queues", "QueueUrls"):
        yield url, c.list_queue_tags(QueueUrl=url).get("Tags", {})


def _sns(c: Any) -> Iterator[tuple[str, dict[str, str]]]:
    for topic in _pages(c, "list_topics", "Topics"):
        arn = topic["TopicArn"]
        yield arn, _kv(c.list_tags_for_resource(ResourceArn=arn).get("Tags", []))


def _dynamodb(c: Any) -> Iterator[tuple[str, dict[str, str]]]:
    for name in _pages(c, "list_tables", "TableNames"):
        arn = c.describe_table(TableName=name)["Table"]["TableArn"]
        yield name, _kv(c.list_tags_of_resource(ResourceArn=arn).get("Tags", []))


def _s3(c: Any) -> Iterator[tuple[str, dict[str, str]]]:
    for bucket in c.list_buckets().get("Buckets", [])[:MAX_ITEMS]:
        try:
            tags = c.get_bucket_tagging(Bucket=bucket["Name"]).get("TagSet", [])
        except c.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchTagSet":
                raise
            tags = []
        yield bucket["Name"], _kv(tags)


def _stepfunctions(c: Any) -> Iterator[tuple[str, dict[str, str]]]:
    for sm in _pages(c, "list_state_machines", "stateMachines"):
        arn = sm["stateMachineArn"]
        yield arn, _kv(c.list_tags_for_resource(resourceArn=arn).get("tags", []), "key", "value")


def _apigateway(c: Any) -> Iterator[tuple[str, dict[str, str]]]:
    for api in _pages(c, "get_rest_apis", "items"):
        yield api["id"], api.get("tags", {})


def _iam(c: Any) -> Iterator[tuple[str, dict[str, str]]]:
    for role in _pages(c, "list_roles", "Roles"):
        name = role["RoleName"]
        yield name, _kv(c.list_role_tags(RoleName=name).get("Tags", []))


def _empty_bucket(c: Any, bucket: str) -> None:
    for _ in range(100):  # bounded: 100 pages of 1000 versions
        page = c.list_object_versions(Bucket=bucket)
        keys = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if not keys:
            return
        c.delete_objects(Bucket=bucket, Delete={"Objects": keys[:1000], "Quiet": True})
    raise RuntimeError(f"bucket {bucket} still has objects after 100 rounds of deletes")


def _delete_role(c: Any, name: str) -> None:
    for policy in _pages(c, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
        c.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy in _pages(c, "list_role_policies", "PolicyNames", RoleName=name):
        c.delete_role_policy(RoleName=name, PolicyName=policy)
    for profile in c.list_instance_profiles_for_role(RoleName=name).get("InstanceProfiles", []):
        c.remove_role_from_instance_profile(
            InstanceProfileName=profile["InstanceProfileName"], RoleName=name
        )
    c.delete_role(RoleName=name)


def _delete_bucket(c: Any, name: str) -> None:
    _empty_bucket(c, name)
    c.delete_bucket(Bucket=name)


Lister = Callable[[Any], Iterator[tuple[str, dict[str, str]]]]
# boto3 client name -> (lister of (id, tags), deleter of one id)
SERVICES: dict[str, tuple[Lister, Callable[[Any, str], Any]]] = {
    "lambda": (_lambda, lambda c, n: c.delete_function(FunctionName=n)),
    "sqs": (_sqs, lambda c, n: c.delete_queue(QueueUrl=n)),
    "sns": (_sns, lambda c, n: c.delete_topic(TopicArn=n)),
    "dynamodb": (_dynamodb, lambda c, n: c.delete_table(TableName=n)),
    "s3": (_s3, _delete_bucket),
    "stepfunctions": (_stepfunctions, lambda c, n: c.delete_state_machine(stateMachineArn=n)),
    "apigateway": (_apigateway, lambda c, n: c.delete_rest_api(restApiId=n)),
    "iam": (_iam, _delete_role),
}


@dataclass
class Outcome:
    found: list[Tagged]
    deleted: list[Tagged]
    failed: list[tuple[Tagged | str, str]]  # a resource (or a service that could not be listed)


def find(client_for: ClientFor, lab: str | None = None) -> Outcome:
    """Every resource tagged ``lablib:lab`` (with value ``lab`` when given)."""
    out = Outcome([], [], [])
    for service, (lister, _) in SERVICES.items():
        try:
            for name, tags in lister(client_for(service)):
                value = tags.get(TAG_KEY)
                if value is not None and (lab is None or value == lab):
                    out.found.append(Tagged(service, name, value))
        except Exception as exc:  # one service down must not stop the others
            out.failed.append((service, f"could not list {service}: {exc}"))
    return out


def delete(client_for: ClientFor, outcome: Outcome) -> Outcome:
    """Delete what :func:`find` found; failures are recorded, never raised."""
    for item in outcome.found:
        try:
            SERVICES[item.service][1](client_for(item.service), item.name)
        except Exception as exc:
            outcome.failed.append((item, f"{type(exc).__name__}: {exc}"))
        else:
            outcome.deleted.append(item)
    return outcome
