"""API Gateway (REST) data plane: one request flows through a chain of small handlers, one
file each: ``parse`` -> ``route`` -> ``authorize`` -> ``throttle`` -> ``cache`` ->
``integration_request`` (proxy event or VTL via ``vtl``) -> ``integrations/*`` ->
``integration_response`` -> ``method_response``; ``errors`` holds AWS's gateway responses,
``telemetry`` the logs and metrics, ``control`` the control-plane shims moto lacks, and
``plugin`` wires it into the local AWS. moto is read only through
``lablib.aws.moto_bridge.apigateway``."""
