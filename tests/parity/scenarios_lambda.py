"""Lambda scenarios: each function repeats the steps of one recorded test and returns the
local responses under the recorded keys. The steps are ours; the inputs (names, memory,
descriptions) are the ones the recorded responses show."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.parity.harness import Context, call, create_wrapped
from tests.support import zip_of

ECHO = "def handler(event, context):\n    return event\n"
PRINT_EVENT = (
    "import json\n\n\ndef handler(event, context):\n"
    "    print(json.dumps(event))\n    return event\n"
)
FAILING = 'def handler(event, context):\n    raise Exception("Handler fails")\n'
SLEEPING = "import time\n\n\ndef handler(event, context):\n    time.sleep(3)\n    return event\n"
# The recorded destination handler raises on line 55 and logs twice before: ours does too.
INTENTIONAL = (
    "import logging\n\nlogger = logging.getLogger()\nlogger.setLevel(logging.INFO)\n"
    + "\n" * 41
    + "def handler(event, context):\n"
    + '    print("Lambda log message - print function")\n'
    + '    logger.info("Lambda log message - logging module")\n'
    + "    if event.get('raise_error'):\n"
    + "        pass\n" * 5
    + '        raise Exception("Test exception (this is intentional)")\n'
    + "    return {'event': event, 'context': {\n"
    + "        'invoked_function_arn': context.invoked_function_arn,\n"
    + "        'function_version': context.function_version,\n"
    + "        'function_name': context.function_name,\n"
    + "        'memory_limit_in_mb': context.memory_limit_in_mb,\n"
    + "        'aws_request_id': context.aws_request_id,\n"
    + "        'log_group_name': context.log_group_name,\n"
    + "        'log_stream_name': context.log_stream_name,\n"
    + "        'client_context': context.client_context}}\n"
)
LARGE = "def handler(event, context):\n    return 'a' * (6 * 1024 * 1024 + 100)\n"


def function_lifecycle(ctx: Context) -> dict[str, Any]:
    lam = ctx.lam
    out: dict[str, Any] = {}
    created = ctx.create_function(ECHO, MemorySize=256, Timeout=5, wait=False)
    name = created["FunctionName"]
    out["create_response"] = create_wrapped(created)
    ctx.wait_active(name)
    out["get_function_response"] = call(lam.get_function, FunctionName=name)
    out["update_func_conf_response"] = call(
        lam.update_function_configuration, FunctionName=name, Runtime="python3.11",
        Description="Changed-Description", MemorySize=512, Timeout=10,
        Environment={"Variables": {"ENV_A": "a"}},
    )  # fmt: skip
    ctx.wait_updated(name)
    out["get_function_response_postupdate"] = call(lam.get_function, FunctionName=name)
    out["update_code_response"] = call(
        lam.update_function_code, FunctionName=name,
        ZipFile=zip_of({"handler.py": ECHO + "# changed\n"}),
    )  # fmt: skip
    ctx.wait_updated(name)
    out["get_function_response_postcodeupdate"] = call(lam.get_function, FunctionName=name)
    out["delete_response"] = call(lam.delete_function, FunctionName=name)
    out["delete_postdelete"] = call(lam.delete_function, FunctionName=name)
    return out


def function_state(ctx: Context) -> dict[str, Any]:
    response = call(
        ctx.lam.create_function, FunctionName=ctx.name(), Runtime="python3.12", Role=ctx.role,
        Handler="handler.handler", Code={"ZipFile": zip_of({"handler.py": ECHO})},
    )  # fmt: skip
    name = response["FunctionName"]
    ctx.wait_active(name)
    return {
        "create-fn-response": response,
        "get-fn-response": call(ctx.lam.get_function, FunctionName=name),
    }


def _create_plain(ctx: Context, handler: str = "index.handler", **config: Any) -> dict[str, Any]:
    """CreateFunction without Environment (the recordings without an Environment key)."""
    module = handler.split(".")[0]
    return call(
        ctx.lam.create_function, FunctionName=ctx.name(), Runtime="python3.12", Role=ctx.role,
        Handler=handler, Code={"ZipFile": zip_of({f"{module}.py": ECHO})}, **config,
    )  # fmt: skip


def version_lifecycle(ctx: Context) -> dict[str, Any]:
    lam = ctx.lam
    out: dict[str, Any] = {}
    out["create_response"] = _create_plain(ctx, Description="No version :(")
    name = out["create_response"]["FunctionName"]
    ctx.wait_active(name)
    out["get_function_result"] = call(lam.get_function, FunctionName=name)
    out["list_versions_result"] = call(lam.list_versions_by_function, FunctionName=name)
    out["first_update_response"] = call(
        lam.update_function_configuration, FunctionName=name, Description="First version :)"
    )
    ctx.wait_updated(name)
    out["first_update_get_function"] = call(lam.get_function, FunctionName=name)
    out["first_publish_response"] = call(
        lam.publish_version, FunctionName=name, Description="First version description :)"
    )
    out["first_publish_get_function"] = call(lam.get_function, FunctionName=name, Qualifier="1")
    out["first_publish_get_function_config"] = call(
        lam.get_function_configuration, FunctionName=name, Qualifier="1"
    )
    out["second_update_response"] = call(
        lam.update_function_configuration, FunctionName=name, Description="Second version :))"
    )
    ctx.wait_updated(name)
    out["first_publish_get_function_after_update"] = call(
        lam.get_function, FunctionName=name, Qualifier="1"
    )
    out["second_publish_response"] = call(lam.publish_version, FunctionName=name)
    out["third_publish_response"] = call(lam.publish_version, FunctionName=name)
    out["list_versions_result_after_third_publish"] = call(
        lam.list_versions_by_function, FunctionName=name
    )
    lam.delete_function(FunctionName=name, Qualifier="1")
    out["list_versions_result_after_deletion_of_first_version"] = call(
        lam.list_versions_by_function, FunctionName=name
    )
    return out


def alias_lifecycle(ctx: Context) -> dict[str, Any]:
    lam = ctx.lam
    out: dict[str, Any] = {}
    out["create_response"] = _create_plain(ctx, Environment={"Variables": {"testenv": "staging"}})
    name = out["create_response"]["FunctionName"]
    ctx.wait_active(name)
    out["publish_v1"] = call(lam.publish_version, FunctionName=name)
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"testenv": "prod"}}
    )
    ctx.wait_updated(name)
    out["publish_v2"] = call(lam.publish_version, FunctionName=name)
    arn = out["create_response"]["FunctionArn"]
    weights = {"AdditionalVersionWeights": {"2": 0.2}}
    out["create_alias_1_1"] = call(
        lam.create_alias, FunctionName=name, Name="aliasname1_1", FunctionVersion="1",
        Description="custom-alias", RoutingConfig=weights,
    )  # fmt: skip
    out["get_alias_1_1"] = call(lam.get_alias, FunctionName=name, Name="aliasname1_1")
    out["get_function_alias_1_1"] = call(
        lam.get_function, FunctionName=name, Qualifier="aliasname1_1"
    )
    out["get_function_byarn_alias_1_1"] = call(lam.get_function, FunctionName=f"{arn}:aliasname1_1")
    out["get_function_alias_notfound_exc"] = call(
        lam.get_function, FunctionName=name, Qualifier="aliasdoesnotexist"
    )
    out["get_function_alias_byarn_notfound_exc"] = call(
        lam.get_function, FunctionName=f"{arn}:aliasdoesnotexist"
    )
    out["create_alias_1_2"] = call(
        lam.create_alias, FunctionName=name, Name="aliasname1_2", FunctionVersion="1",
        Description="custom-alias",
    )  # fmt: skip
    out["get_alias_1_2"] = call(lam.get_alias, FunctionName=name, Name="aliasname1_2")
    out["create_alias_1_3"] = call(
        lam.create_alias, FunctionName=name, Name="aliasname1_3", FunctionVersion="1"
    )
    out["get_alias_1_3"] = call(lam.get_alias, FunctionName=name, Name="aliasname1_3")
    out["create_alias_2"] = call(
        lam.create_alias, FunctionName=name, Name="aliasname2", FunctionVersion="2",
        Description="custom-alias",
    )  # fmt: skip
    out["get_alias_2"] = call(lam.get_alias, FunctionName=name, Name="aliasname2")
    listed = call(lam.list_aliases, FunctionName=name)
    listed.pop("ResponseMetadata", None)  # recorded without it
    out["list_aliases_for_fnname"] = listed
    out["update_alias_1_1"] = call(
        lam.update_alias, FunctionName=name, Name="aliasname1_1",
        RoutingConfig={"AdditionalVersionWeights": {}},
    )  # fmt: skip
    out["get_alias_1_1_after_update"] = call(lam.get_alias, FunctionName=name, Name="aliasname1_1")
    out["list_aliases_for_fnname_after_update"] = call(lam.list_aliases, FunctionName=name)
    out["update_alias_1_2"] = call(lam.update_alias, FunctionName=name, Name="aliasname1_2")
    out["get_alias_1_2_after_update"] = call(lam.get_alias, FunctionName=name, Name="aliasname1_2")
    out["list_aliases_for_fnname_after_update_2"] = call(lam.list_aliases, FunctionName=name)
    out["list_aliases_for_version"] = call(lam.list_aliases, FunctionName=name, FunctionVersion="1")
    out["delete_alias_response"] = call(lam.delete_alias, FunctionName=name, Name="aliasname1_1")
    out["list_aliases_for_fnname_afterdelete"] = call(lam.list_aliases, FunctionName=name)
    return out


def function_concurrency(ctx: Context) -> dict[str, Any]:
    lam = ctx.lam
    name = ctx.create_function(ECHO)["FunctionName"]
    return {
        "put_function_concurrency_with_reserved_0": call(
            lam.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=0
        ),
        "put_function_concurrency_with_reserved_1": call(
            lam.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=1
        ),
        "get_function_concurrency": call(lam.get_function_concurrency, FunctionName=name),
        "delete_response": call(lam.delete_function_concurrency, FunctionName=name),
        "get_function_concurrency_after_delete": call(
            lam.get_function_concurrency, FunctionName=name
        ),
    }


def _not_found(ctx: Context, operation: str, key: str, **params: Any) -> dict[str, Any]:
    return {key: call(getattr(ctx.lam, operation), **params)}


def not_found_get_function(ctx: Context) -> dict[str, Any]:
    return _not_found(ctx, "get_function", "not_found_exception", FunctionName=ctx.name())


def not_found_get_function_configuration(ctx: Context) -> dict[str, Any]:
    return _not_found(
        ctx, "get_function_configuration", "not_found_exception", FunctionName=ctx.name()
    )


def not_found_delete_function(ctx: Context) -> dict[str, Any]:
    return _not_found(ctx, "delete_function", "not_found_exception", FunctionName=ctx.name())


def _shared_function(ctx: Context) -> str:
    if not hasattr(ctx, "shared_function"):
        ctx.shared_function = ctx.create_function(ECHO)["FunctionName"]  # type: ignore[attr-defined]
    name: str = ctx.shared_function  # type: ignore[attr-defined]
    return name


def not_found_version_get_function(ctx: Context) -> dict[str, Any]:
    return _not_found(
        ctx, "get_function", "version_not_found_exception",
        FunctionName=_shared_function(ctx), Qualifier="1221",
    )  # fmt: skip


def not_found_version_get_function_configuration(ctx: Context) -> dict[str, Any]:
    return _not_found(
        ctx, "get_function_configuration", "version_not_found_exception",
        FunctionName=_shared_function(ctx), Qualifier="1221",
    )  # fmt: skip


def invoke_not_found(ctx: Context) -> dict[str, Any]:
    return {
        "invoke_function_doesnotexist": call(
            ctx.lam.invoke, FunctionName="doesnotexist", Payload=b"{}"
        )
    }


def invoke_handler_error(ctx: Context) -> dict[str, Any]:
    name = ctx.name()
    ctx.lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ctx.role,
        Handler="lambda_handler_error.handler",
        Code={"ZipFile": zip_of({"lambda_handler_error.py": FAILING})},
    )  # fmt: skip
    ctx.wait_active(name)
    return {"invocation_error": call(ctx.lam.invoke, FunctionName=name, Payload=b"{}")}


def _log_lines(log_result: str) -> list[str]:
    text = base64.b64decode(log_result).decode()
    return [line + "\n" for line in text.split("\n") if line]


def invoke_with_logs(ctx: Context) -> dict[str, Any]:
    name = ctx.create_function(PRINT_EVENT, Runtime="python3.10")["FunctionName"]
    response = call(ctx.lam.invoke, FunctionName=name, Payload=b"{}", LogType="Tail")
    lines = _log_lines(response["LogResult"])
    response["LogResult"] = "log-result"  # LocalStack recorded its own marker here
    return {"invoke": response, "logs": {"logs": lines}}


def invoke_request_response(ctx: Context) -> dict[str, Any]:
    name = ctx.create_function(ECHO, Runtime="python3.10")["FunctionName"]
    return {
        "invoke-result": call(
            ctx.lam.invoke, FunctionName=name, Payload=b"{}", InvocationType="RequestResponse"
        )
    }


def invoke_event(ctx: Context) -> dict[str, Any]:
    name = ctx.create_function(ECHO, Runtime="python3.10")["FunctionName"]
    return {
        "invoke-result": call(
            ctx.lam.invoke, FunctionName=name, Payload=b"{}", InvocationType="Event"
        )
    }


def invoke_dry_run(ctx: Context) -> dict[str, Any]:
    name = ctx.create_function(ECHO, Runtime="python3.10")["FunctionName"]
    return {
        "invoke-result": call(
            ctx.lam.invoke, FunctionName=name, Payload=b"{}", InvocationType="DryRun"
        )
    }


def invoke_timeout(ctx: Context) -> dict[str, Any]:
    created = ctx.create_function(SLEEPING, Timeout=1, wait=False)
    name = created["FunctionName"]
    ctx.wait_active(name)
    result = call(ctx.lam.invoke, FunctionName=name, Payload=b"{}")
    return {"create-result": create_wrapped(created), "invoke-result": result}


def invoke_response_too_large(ctx: Context) -> dict[str, Any]:
    name = ctx.create_function(LARGE)["FunctionName"]
    return {"invoke_result": call(ctx.lam.invoke, FunctionName=name, Payload=b"{}")}


def publish_wrong_sha256(ctx: Context) -> dict[str, Any]:
    lam = ctx.lam
    out: dict[str, Any] = {"create_response": _create_plain(ctx)}
    name = out["create_response"]["FunctionName"]
    ctx.wait_active(name)
    out["get_fn_response"] = call(lam.get_function, FunctionName=name)
    out["publish_wrong_sha256_exc"] = call(
        lam.publish_version, FunctionName=name, CodeSha256="somenonexistentsha256"
    )
    out["publish_result"] = call(
        lam.publish_version, FunctionName=name,
        CodeSha256=out["get_fn_response"]["Configuration"]["CodeSha256"],
    )  # fmt: skip
    return out


def esm_exceptions(ctx: Context) -> dict[str, Any]:
    lam = ctx.lam
    unknown = "5f1a9c4e-0000-4000-8000-000000000000"
    return {
        "get_unknown_uuid": call(lam.get_event_source_mapping, UUID=unknown),
        "delete_unknown_uuid": call(lam.delete_event_source_mapping, UUID=unknown),
        "update_unknown_uuid": call(lam.update_event_source_mapping, UUID=unknown, Enabled=False),
    }


def _destination(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    lam = ctx.lam
    url, queue_arn = ctx.queue()
    name = ctx.create_function(INTENTIONAL)["FunctionName"]
    config = call(
        lam.put_function_event_invoke_config, FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={
            "OnSuccess": {"Destination": queue_arn}, "OnFailure": {"Destination": queue_arn}
        },
    )  # fmt: skip
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(payload).encode())
    received = ctx.receive(url)
    for message in received["Messages"]:
        message.pop("MessageAttributes", None)
        message.pop("MD5OfMessageAttributes", None)
    return {"put_function_event_invoke_config": config, "receive_message_result": received}


def destination_sqs_failure(ctx: Context) -> dict[str, Any]:
    return _destination(ctx, {"raise_error": 1})


def destination_sqs_success(ctx: Context) -> dict[str, Any]:
    return _destination(ctx, {})


def _dated(part: str) -> str:
    """A log line's timestamp as LocalStack recorded it (the word ``date``)."""
    return "date" if part[:4].isdigit() and "T" in part else part


def dead_letter_queue(ctx: Context) -> dict[str, Any]:
    lam = ctx.lam
    url, queue_arn = ctx.queue()
    created = ctx.create_function(
        INTENTIONAL, Timeout=30, DeadLetterConfig={"TargetArn": queue_arn}, wait=False
    )
    name = created["FunctionName"]
    ctx.wait_active(name)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"raise_error": 1}')
    received = ctx.receive(url)
    deleted = call(lam.update_function_configuration, FunctionName=name, DeadLetterConfig={})
    ctx.wait_updated(name)
    invoked = call(lam.invoke, FunctionName=name, Payload=b'{"raise_error": 1}', LogType="Tail")
    text = base64.b64decode(invoked["LogResult"]).decode()
    lines = [line for line in text.splitlines() if line and not line.startswith("REPORT")]
    lines = ["\t".join(_dated(part) for part in line.split("\t")) for line in lines]
    return {
        "create_lambda_with_dlq": create_wrapped(created),
        "receive_result": received,
        "delete_dlq": deleted,
        "invoke_result": invoked,
        "log_result": {"result": lines},
    }


def esm_lifecycle_dynamodb(ctx: Context) -> dict[str, Any]:
    from tests.parity.scenarios_events import _table_with_stream, _wait_enabled

    _, stream_arn = _table_with_stream(ctx, "id", "NEW_IMAGE")
    _, queue_arn = ctx.queue()
    name = ctx.create_function(ECHO)["FunctionName"]
    created = call(
        ctx.lam.create_event_source_mapping, EventSourceArn=stream_arn, FunctionName=name,
        StartingPosition="TRIM_HORIZON", BatchSize=1, MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )  # fmt: skip
    _wait_enabled(ctx, created["UUID"])
    got = call(ctx.lam.get_event_source_mapping, UUID=created["UUID"])
    deleted = call(ctx.lam.delete_event_source_mapping, UUID=created["UUID"])
    return {"create_response": created, "get_response": got, "delete_response": deleted}
