"""CloudFormation resource types for CodeDeploy: ``AWS::CodeDeploy::Application`` and
``AWS::CodeDeploy::DeploymentGroup``.
"""

from __future__ import annotations

from typing import Any

from lablib.aws.moto_bridge.cfn_models import (
    CloudFormationModel,
    ResourceModel,
    codedeploy_backend,
)


class CodeDeployApplicationModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeDeploy::Application"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ApplicationName"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        codedeploy_backend(account, region).create_application(
            resource_name, props.get("ComputePlatform", "Server"), []
        )
        self.physical_id = resource_name

    def delete(self, account_id: str, region_name: str) -> None:
        codedeploy_backend(account_id, region_name).applications.pop(self.physical_id, None)


class CodeDeployGroupModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeDeploy::DeploymentGroup"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "DeploymentGroupName"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        app = props["ApplicationName"]
        codedeploy_backend(account, region).create_deployment_group(
            app,
            resource_name,
            props.get("DeploymentConfigName"),
            None,
            None,
            None,
            props["ServiceRoleArn"],
            alarm_configuration=props.get("AlarmConfiguration"),
            auto_rollback_configuration=props.get("AutoRollbackConfiguration"),
            deployment_style=props.get("DeploymentStyle"),
        )
        self.app, self.physical_id = app, resource_name

    def delete(self, account_id: str, region_name: str) -> None:
        backend = codedeploy_backend(account_id, region_name)
        backend.deployment_groups.get(self.app, {}).pop(self.physical_id, None)


MODELS: dict[str, type[CloudFormationModel]] = {
    model.cloudformation_type(): model
    for model in (CodeDeployApplicationModel, CodeDeployGroupModel)
}
