# ruff: noqa: E501
"""Which recorded responses the parity suite uses: LocalStack snapshot, test id, keys."""

from __future__ import annotations

from typing import NamedTuple

SNAPSHOT_ROOT = "tests/aws/services"


class Entry(NamedTuple):
    service: str  # folder under recorded/
    name: str  # file name (and scenario function name)
    snapshot: str  # snapshot file under SNAPSHOT_ROOT, without .snapshot.json
    test: str  # test id inside that file (after ``::``)
    keys: tuple[str, ...] = ()  # recorded-content keys used; empty: all


LAMBDA_API = "lambda_/test_lambda_api"
LAMBDA = "lambda_/test_lambda"
DESTINATIONS = "lambda_/test_lambda_destinations"
ESM_SQS = "lambda_/event_source_mapping/test_lambda_integration_sqs"
ESM_KINESIS = "lambda_/event_source_mapping/test_lambda_integration_kinesis"
ESM_DDB = "lambda_/event_source_mapping/test_lambda_integration_dynamodbstreams"
SFN_API = "stepfunctions/v2/test_sfn_api"
APIGW_LAMBDA = "apigateway/test_apigateway_lambda"
S3_SQS = "s3/test_s3_notifications_sqs"
EVENTS_TARGETS = "events/test_events_targets"
SNS = "sns/test_sns"
SFN_TASK_LAMBDA = "stepfunctions/v2/error_handling/test_task_lambda"

MANIFEST: list[Entry] = [
    Entry("lambda", "function_lifecycle", LAMBDA_API, "TestLambdaFunction::test_function_lifecycle"),
    Entry("lambda", "function_state", LAMBDA, "TestLambdaBaseFeatures::test_function_state"),
    Entry("lambda", "version_lifecycle", LAMBDA_API, "TestLambdaVersions::test_version_lifecycle"),
    Entry("lambda", "alias_lifecycle", LAMBDA_API, "TestLambdaAlias::test_alias_lifecycle"),
    Entry(
        "lambda", "function_concurrency", LAMBDA_API,
        "TestLambdaReservedConcurrency::test_function_concurrency",
    ),
    Entry(
        "lambda", "not_found_get_function", LAMBDA_API,
        "TestLambdaFunction::test_ops_on_nonexisting_fn[get_function]",
    ),
    Entry(
        "lambda", "not_found_get_function_configuration", LAMBDA_API,
        "TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_configuration]",
    ),
    Entry(
        "lambda", "not_found_delete_function", LAMBDA_API,
        "TestLambdaFunction::test_ops_on_nonexisting_fn[delete_function]",
    ),
    Entry(
        "lambda", "not_found_version_get_function", LAMBDA_API,
        "TestLambdaFunction::test_ops_on_nonexisting_version[get_function]",
    ),
    Entry(
        "lambda", "not_found_version_get_function_configuration", LAMBDA_API,
        "TestLambdaFunction::test_ops_on_nonexisting_version[get_function_configuration]",
    ),
    Entry("lambda", "invoke_not_found", LAMBDA, "TestLambdaFeatures::test_invoke_exceptions"),
    Entry("lambda", "invoke_handler_error", LAMBDA, "TestLambdaErrors::test_lambda_handler_error"),
    Entry(
        "lambda", "invoke_with_logs", LAMBDA, "TestLambdaFeatures::test_invocation_with_logs[python3.10]"
    ),
    Entry(
        "lambda", "invoke_request_response", LAMBDA,
        "TestLambdaFeatures::test_invocation_type_request_response[python3.10]",
    ),
    Entry("lambda", "invoke_event", LAMBDA, "TestLambdaFeatures::test_invocation_type_event[python3.10]"),
    Entry(
        "lambda", "invoke_dry_run", LAMBDA, "TestLambdaFeatures::test_invocation_type_dry_run[python3.10]"
    ),
    Entry("lambda", "invoke_timeout", LAMBDA, "TestLambdaBehavior::test_lambda_invoke_with_timeout"),
    Entry(
        "lambda", "invoke_response_too_large", LAMBDA,
        "TestLambdaBaseFeatures::test_lambda_too_large_response", ("invoke_result",),
    ),
    Entry("lambda", "publish_wrong_sha256", LAMBDA_API, "TestLambdaVersions::test_publish_with_wrong_sha256"),
    Entry(
        "lambda", "esm_exceptions", LAMBDA_API,
        "TestLambdaEventSourceMappings::test_event_source_mapping_exceptions",
        ("get_unknown_uuid", "delete_unknown_uuid", "update_unknown_uuid"),
    ),
    Entry("lambda", "destination_sqs_failure", DESTINATIONS,
          "TestLambdaDestinationSqs::test_assess_lambda_destination_invocation[payload1]"),
    Entry("lambda", "destination_sqs_success", DESTINATIONS,
          "TestLambdaDestinationSqs::test_assess_lambda_destination_invocation[payload0]"),
    Entry("lambda", "dead_letter_queue", DESTINATIONS, "TestLambdaDLQ::test_dead_letter_queue"),
    Entry("lambda", "esm_lifecycle_dynamodb", LAMBDA_API,
          "TestLambdaEventSourceMappings::test_event_source_mapping_lifecycle",
          ("create_response", "get_response", "delete_response")),
    # Event source mappings and the records handlers receive
    Entry("events", "sqs_mapping", ESM_SQS, "TestSQSEventSourceMapping::test_sqs_event_source_mapping"),
    Entry("events", "sqs_mapping_batch_window", ESM_SQS,
          "TestSQSEventSourceMapping::test_event_source_mapping_default_batch_size"),
    Entry("events", "kinesis_mapping", ESM_KINESIS, "TestKinesisSource::test_create_kinesis_event_source_mapping"),
    Entry("events", "kinesis_stream_not_found", ESM_KINESIS, "TestKinesisSource::test_esm_with_not_existing_kinesis_stream"),
    Entry("events", "dynamodb_mapping", ESM_DDB, "TestDynamoDBEventSourceMapping::test_dynamodb_event_source_mapping",
          ("create_event_source_mapping_response", "event_logs")),
    Entry("events", "dynamodb_stream_not_found", ESM_DDB,
          "TestDynamoDBEventSourceMapping::test_esm_with_not_existing_dynamodb_stream"),
    Entry("events", "s3_object_created", S3_SQS, "TestS3NotificationsToSQS::test_object_created_put"),
    Entry("events", "eventbridge_to_lambda", EVENTS_TARGETS,
          "TestEventsTargetLambda::test_put_events_with_target_lambda"),
    Entry("events", "sns_to_lambda", SNS, "TestSNSSubscriptionLambda::test_python_lambda_subscribe_sns_topic"),
    # Step Functions
    Entry("stepfunctions", "start_execution", SFN_API, "TestSnfApi::test_start_execution"),
    Entry("stepfunctions", "describe_execution", SFN_API, "TestSnfApi::test_describe_execution"),
    Entry("stepfunctions", "stop_execution", SFN_API, "TestSnfApi::test_stop_execution"),
    Entry("stepfunctions", "start_execution_idempotent", SFN_API, "TestSnfApi::test_start_execution_idempotent"),
    Entry("stepfunctions", "invalid_definition", SFN_API, "TestSnfApi::test_create_delete_invalid_sm"),
    Entry("stepfunctions", "describe_execution_not_found", SFN_API,
          "TestSnfApi::test_describe_execution_no_such_state_machine"),
    Entry("stepfunctions", "history_execution_not_found", SFN_API,
          "TestSnfApi::test_get_execution_history_no_such_execution"),
    Entry("stepfunctions", "lambda_task_raises", SFN_TASK_LAMBDA, "TestTaskLambda::test_raise_exception"),
    Entry("stepfunctions", "describe_execution_invalid_arn", SFN_API, "TestSnfApi::test_describe_execution_invalid_arn"),
    # API Gateway: the proxy event a handler receives, proxy response validation
    Entry("apigateway", "proxy_event", APIGW_LAMBDA, "test_lambda_aws_proxy_integration",
          ("invocation-payload-without-trailing-slash", "invocation-payload-with-trailing-slash",
           "invocation-payload-without-trailing-slash-and-query-params",
           "invocation-payload-with-params-encoding-multi")),
    Entry("apigateway", "proxy_response_validation", APIGW_LAMBDA,
          "test_aws_proxy_response_payload_format_validation",
          ("invoke-api-no-body", "invoke-api-wrong-format", "invoke-api-empty-response",
           "invoke-api-b64-encoded-true", "invoke-api-b64-encoded-false",
           "invoke-api-multi-headers-invalid", "invoke-api-invalid-status-code",
           "invoke-api-status-code-str", "invoke-api-just-string", "invoke-api-only-headers")),
]  # fmt: skip
