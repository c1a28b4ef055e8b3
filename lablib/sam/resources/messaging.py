"""CloudFormation resource types for SNS, SQS, S3 and Lambda layers that moto lacks or keeps
incompletely: ``AWS::SNS::Subscription``, ``AWS::SNS::TopicPolicy``, ``AWS::SQS::QueuePolicy``,
``AWS::S3::BucketPolicy``, ``AWS::S3::Bucket`` (``NotificationConfiguration`` with Lambda,
SQS, SNS and EventBridge delivery kept) and ``AWS::Lambda::LayerVersion`` (``Ref`` is the
layer version ARN, as on AWS).
"""

from __future__ import annotations

import json
from typing import Any

from lablib.aws.moto_bridge.cfn_models import (
    CloudFormationModel,
    ResourceModel,
    moto_model,
    s3_backend,
    sns_backend,
    sqs_backend,
)

_EMPTY_POLICY = json.dumps({"Version": "2008-10-17", "Statement": []})


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _queue_name(url_or_arn: str) -> str:
    return url_or_arn.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


class SubscriptionModel(ResourceModel):
    """AWS::SNS::Subscription: Ref is the subscription ARN; attributes set as SNS does."""

    _ATTRIBUTES = (
        "RawMessageDelivery",
        "FilterPolicyScope",
        "FilterPolicy",
        "DeliveryPolicy",
        "RedrivePolicy",
        "SubscriptionRoleArn",
    )

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        topic_arn = str(props["TopicArn"])
        region = topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else region
        backend = sns_backend(account, region)
        subscription = backend.subscribe(topic_arn, str(props["Endpoint"]), str(props["Protocol"]))
        for name in self._ATTRIBUTES:
            if name in props and props[name] is not None:
                value = props[name]
                if isinstance(value, bool):
                    value = "true" if value else "false"
                elif not isinstance(value, str):
                    value = json.dumps(value)
                backend.set_subscription_attributes(subscription.arn, name, value)
        self.physical_id = subscription.arn
        self.name = region
        self.attributes = {"Arn": subscription.arn}

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backend(account_id, self.name or region_name).unsubscribe(self.physical_id)


class TopicPolicyModel(ResourceModel):
    """AWS::SNS::TopicPolicy: the policy document set on every listed topic."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        backend = sns_backend(account, region)
        topics = [str(t) for t in props.get("Topics") or []]
        for topic in topics:
            backend.get_topic(topic)  # NotFound fails the resource, as on AWS
            backend.set_topic_attribute(topic, "policy", _json(props["PolicyDocument"]))
        self.physical_id = f"{resource_name}-{abs(hash(tuple(topics))) % 10**8}"
        self.attributes = {"Id": self.physical_id}
        self.version = json.dumps(topics)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = sns_backend(account_id, region_name)
        for topic in json.loads(self.version or "[]"):
            try:
                backend.set_topic_attribute(topic, "policy", _EMPTY_POLICY)
            except Exception:  # noqa: BLE001 - the topic went first
                pass


class QueuePolicyModel(ResourceModel):
    """AWS::SQS::QueuePolicy: the policy document set on every listed queue (by URL)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        backend = sqs_backend(account, region)
        names = [_queue_name(str(q)) for q in props.get("Queues") or []]
        for name in names:
            backend.set_queue_attributes(name, {"Policy": _json(props["PolicyDocument"])})
        self.physical_id = f"{resource_name}-{abs(hash(tuple(names))) % 10**8}"
        self.attributes = {"Id": self.physical_id}
        self.version = json.dumps(names)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = sqs_backend(account_id, region_name)
        for name in json.loads(self.version or "[]"):
            try:
                backend.set_queue_attributes(name, {"Policy": ""})
            except Exception:  # noqa: BLE001 - the queue went first
                pass


class BucketPolicyModel(ResourceModel):
    """AWS::S3::BucketPolicy (stored; the local S3 does not enforce bucket policies)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        bucket = str(props["Bucket"])
        s3_backend(account).put_bucket_policy(bucket, _json(props["PolicyDocument"]).encode())
        self.physical_id = f"{resource_name}-{bucket}"
        self.name = bucket

    def delete(self, account_id: str, region_name: str) -> None:
        try:
            s3_backend(account_id).delete_bucket_policy(self.name)
        except Exception:  # noqa: BLE001 - the bucket went first
            pass


def notification_to_api(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration -> the PutBucketNotificationConfiguration
    shape moto's S3 keeps (the XML parsed)."""
    out: dict[str, Any] = {}
    kinds = (
        ("LambdaConfigurations", "CloudFunctionConfiguration", "Function", "CloudFunction"),
        ("QueueConfigurations", "QueueConfiguration", "Queue", "Queue"),
        ("TopicConfigurations", "TopicConfiguration", "Topic", "Topic"),
    )
    for cfn_key, api_key, target, api_target in kinds:
        entries = []
        for index, entry in enumerate(config.get(cfn_key) or []):
            item: dict[str, Any] = {
                "Id": f"{api_key}-{index}",
                api_target: str(entry[target]),
                "Event": [str(entry["Event"])],
            }
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            if rules:
                item["Filter"] = {
                    "S3Key": {
                        "FilterRule": [
                            {"Name": str(r["Name"]), "Value": str(r["Value"])} for r in rules
                        ]
                    }
                }
            entries.append(item)
        if entries:
            out[api_key] = entries
    bridge = config.get("EventBridgeConfiguration")
    if isinstance(bridge, dict) and str(bridge.get("EventBridgeEnabled", "true")).lower() == "true":
        out["EventBridgeConfiguration"] = {}
    return out


class _OnMotoModel(CloudFormationModel):
    """A type moto models: moto's own model creates the resource (under the name
    :meth:`_prepare` gives, after it has amended the Properties), then :meth:`_complete`
    adds what moto drops."""

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        base: Any = moto_model(cls.cloudformation_type())
        props = cloudformation_json.get("Properties") or {}
        made = base.create_from_cloudformation_json(
            cls._prepare(resource_name, props),
            cloudformation_json,
            account_id,
            region_name,
            **kwargs,
        )
        cls._complete(made, props, account_id)
        return made

    @classmethod
    def _prepare(cls, resource_name: str, props: dict[str, Any]) -> str:
        return resource_name

    @classmethod
    def _complete(cls, made: Any, props: dict[str, Any], account_id: str) -> None:
        pass


class BucketModel(_OnMotoModel):
    """AWS::S3::Bucket: moto's bucket, plus the ``NotificationConfiguration`` moto drops."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::Bucket"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "BucketName"

    @classmethod
    def _prepare(cls, resource_name: str, props: dict[str, Any]) -> str:
        _default_encryption(props)
        return resource_name

    @classmethod
    def _complete(cls, made: Any, props: dict[str, Any], account_id: str) -> None:
        _notify(account_id, made.name, props)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        base: Any = moto_model(cls.cloudformation_type())
        bucket = base.update_from_cloudformation_json(
            original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        cls._complete(bucket, cloudformation_json.get("Properties") or {}, account_id)
        return bucket

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        base: Any = moto_model(cls.cloudformation_type())
        base.delete_from_cloudformation_json(
            resource_name, cloudformation_json, account_id, region_name
        )


def _default_encryption(props: dict[str, Any]) -> None:
    """A rule with only BucketKeyEnabled means SSE-S3 (AES256), AWS's default encryption."""
    config = props.get("BucketEncryption")
    if isinstance(config, dict):
        for rule in config.get("ServerSideEncryptionConfiguration") or []:
            if isinstance(rule, dict):
                rule.setdefault("ServerSideEncryptionByDefault", {"SSEAlgorithm": "AES256"})


def _notify(account_id: str, bucket: str, props: dict[str, Any]) -> None:
    config = props.get("NotificationConfiguration")
    if isinstance(config, dict):
        s3_backend(account_id).put_bucket_notification_configuration(
            bucket, notification_to_api(config)
        )


class LayerVersionModel(_OnMotoModel):
    """AWS::Lambda::LayerVersion: moto's layer version, with ``Ref`` its ARN."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::LayerVersion"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "LayerName"

    @classmethod
    def _prepare(cls, resource_name: str, props: dict[str, Any]) -> str:
        return str(props.get("LayerName") or resource_name)

    @classmethod
    def _complete(cls, made: Any, props: dict[str, Any], account_id: str) -> None:
        kind = type(made)
        if "physical_resource_id" not in kind.__dict__:
            kind.physical_resource_id = property(lambda self: self.arn)


MODELS: dict[str, type[CloudFormationModel]] = {
    model.cloudformation_type(): model
    for model in (
        SubscriptionModel,
        TopicPolicyModel,
        QueuePolicyModel,
        BucketPolicyModel,
        BucketModel,
        LayerVersionModel,
    )
}
