"""API Gateway plugin for the local AWS: serves stage URLs
(``/restapis/{api}/{stage}/_user_request_/{path}``) through the handler chain and adds the
control-plane shims moto lacks. ``install(local)`` is called by ``lablib.aws.server``."""

from __future__ import annotations

from typing import Any

from lablib.apigateway import fidelity_checks, parse
from lablib.apigateway.control import ControlShims
from lablib.apigateway.gateway import Gateway
from lablib.aws.moto_bridge import apigateway as bridge


class ApiGatewayPlugin:
    def __init__(self, local: Any) -> None:
        bridge.check_patch_points()
        self.gateway = Gateway(local)
        self.control = ControlShims(self.gateway, local.front.moto_app)
        local.front.add_drain(self.gateway.telemetry.drain)
        local.front.add_route(self.control.matches, self.control)
        local.front.add_route(parse.matches, self.gateway)
        fidelity_checks.install(local)  # checked first: warns, or refuses when strict

    def close(self) -> None:
        self.gateway.close()


def install(local: Any) -> ApiGatewayPlugin:
    return ApiGatewayPlugin(local)
