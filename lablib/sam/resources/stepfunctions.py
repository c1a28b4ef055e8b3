"""CloudFormation resource type ``AWS::StepFunctions::StateMachine``, created where the Step
Functions API (and lablib's executions) see it, with every property AWS documents:
``Definition``/``DefinitionString``/``DefinitionS3Location`` (read from the local S3),
``DefinitionSubstitutions`` (``${name}`` replaced), ``StateMachineType`` (STANDARD/EXPRESS),
``LoggingConfiguration``, ``TracingConfiguration``, ``RoleArn``, ``StateMachineName`` and
``Tags``. Ref is the ARN; GetAtt gives Arn, Name and StateMachineRevisionId.
"""

from __future__ import annotations

import json
from typing import Any

from lablib.aws.moto_bridge.cfn_models import (
    CloudFormationModel,
    UpdatableModel,
    stepfunctions_backend,
)


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def definition_of(props: dict[str, Any], account_id: str) -> str:
    """The definition text with its substitutions applied (DefinitionSubstitutions)."""
    if props.get("Definition") is not None:
        text = json.dumps(props["Definition"])
    elif props.get("DefinitionString") is not None:
        text = str(props["DefinitionString"])
    elif isinstance(props.get("DefinitionS3Location"), dict):
        from lablib.aws.moto_bridge.s3_objects import read_object

        where = props["DefinitionS3Location"]
        try:
            text = read_object(account_id, str(where["Bucket"]), str(where["Key"])).decode()
        except KeyError:
            raise ValueError(
                f"DefinitionS3Location s3://{where.get('Bucket')}/{where.get('Key')} does not "
                "exist (lablib deploy uploads a local DefinitionUri file for you)"
            ) from None
    else:
        raise ValueError("One of Definition, DefinitionString or DefinitionS3Location is required")
    for key, value in (props.get("DefinitionSubstitutions") or {}).items():
        replacement = value if isinstance(value, str) else json.dumps(value)
        text = text.replace("${" + str(key) + "}", replacement)
    return text


class StateMachineModel(UpdatableModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::StepFunctions::StateMachine"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "StateMachineName"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        name = str(props.get("StateMachineName") or resource_name)
        tags = [{"key": t["Key"], "value": t["Value"]} for t in props.get("Tags") or []]
        machine = stepfunctions_backend(account, region).create_state_machine(
            name=name,
            definition=definition_of(props, account),
            roleArn=str(props.get("RoleArn", "")),
            tags=tags or None,
            loggingConfiguration=_camel(props.get("LoggingConfiguration")),
            tracingConfiguration=_camel(props.get("TracingConfiguration")),
            sm_type=str(props.get("StateMachineType", "STANDARD")),
        )
        self.physical_id = machine.arn
        self.name = name
        self.attributes = {
            "Arn": machine.arn,
            "Name": name,
            "StateMachineRevisionId": getattr(machine, "revision_id", None) or "INITIAL",
        }

    def update(self, props: dict[str, Any], account: str, region: str, policy: Any) -> None:
        stepfunctions_backend(account, region).update_state_machine(
            self.physical_id,
            definition=definition_of(props, account),
            role_arn=props.get("RoleArn"),
            logging_configuration=_camel(props.get("LoggingConfiguration")),
            tracing_configuration=_camel(props.get("TracingConfiguration")),
        )

    def delete(self, account_id: str, region_name: str) -> None:
        try:
            stepfunctions_backend(account_id, region_name).delete_state_machine(self.physical_id)
        except Exception:  # noqa: BLE001 - already gone
            pass


_MACHINE: Any = StateMachineModel  # moto's base declares abstract hooks it never calls

MODELS: dict[str, type[CloudFormationModel]] = {"AWS::StepFunctions::StateMachine": _MACHINE}
