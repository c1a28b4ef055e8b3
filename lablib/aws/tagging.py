"""Tag what a lab creates: ``lablib:lab=<lab>`` on every create call of the lab services.

:func:`tag_creates` hooks a boto3 client so each create call below carries the tag in the
shape its API wants (a map, a Key/Value list, a key/value list); S3 buckets are tagged by a
``PutBucketTagging`` right after ``CreateBucket``. Tags the caller passed are kept.
:func:`tag_session` does the same for every client a boto3 session makes afterwards (the
default session too, so a notebook's plain ``boto3.client(...)`` tags what it creates).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TAG_KEY = "lablib:lab"

# operation -> (parameter, shape): "map" {k: v}, "KeyValue" [{Key, Value}],
# "keyvalue" [{key, value}]
CREATE_TAGS: dict[str, tuple[str, str]] = {
    "CreateFunction": ("Tags", "map"),  # lambda
    "CreateQueue": ("tags", "map"),  # sqs
    "CreateTopic": ("Tags", "KeyValue"),  # sns
    "CreateTable": ("Tags", "KeyValue"),  # dynamodb
    "CreateStateMachine": ("tags", "keyvalue"),  # stepfunctions
    "CreateRestApi": ("tags", "map"),  # apigateway
    "CreateRole": ("Tags", "KeyValue"),  # iam
}


def _add(params: dict[str, Any], name: str, shape: str, lab: str) -> None:
    current = params.get(name)
    if shape == "map":
        params[name] = {**(current or {}), TAG_KEY: lab}
        return
    key, value = ("Key", "Value") if shape == "KeyValue" else ("key", "value")
    kept = [t for t in (current or []) if t.get(key) != TAG_KEY]
    params[name] = [*kept, {key: TAG_KEY, value: lab}]


def tag_creates(client: Any, lab: str) -> Any:
    """Make ``client`` tag everything it creates with ``lablib:lab=<lab>``; returns it."""

    def before(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        spec = CREATE_TAGS.get(model.name)
        if spec is not None and spec[0] in model.input_shape.members:
            _add(params, spec[0], spec[1], lab)
        if model.name == "CreateBucket":
            context["lablib_bucket"] = params.get("Bucket")

    def after_bucket(http_response: Any, context: dict[str, Any], **_: Any) -> None:
        bucket = context.get("lablib_bucket")
        if bucket and http_response.status_code < 300:
            tagging = {"TagSet": [{"Key": TAG_KEY, "Value": lab}]}
            client.put_bucket_tagging(Bucket=bucket, Tagging=tagging)

    client.meta.events.register("provide-client-params", before)
    if client.meta.service_model.service_name == "s3":
        client.meta.events.register("after-call.s3.CreateBucket", after_bucket)
    return client


def tag_session(session: Any, lab: str, also: Callable[[Any], Any] | None = None) -> None:
    """Every client ``session`` (a ``boto3.Session``) creates from now on tags what it
    creates with ``lablib:lab=<lab>`` (and is passed to ``also``, e.g. a call budget)."""

    class Tagging:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            tag_creates(self, lab)
            if also is not None:
                also(self)

    def add_base(base_classes: list[type], **_: Any) -> None:
        base_classes.insert(0, Tagging)

    session.events.register("creating-client-class", add_base)
