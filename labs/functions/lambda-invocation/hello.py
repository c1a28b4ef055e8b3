"""Lab 01: the smallest useful handler. It logs the event and returns what the context says."""

import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    logger.info("got an event with keys %s", sorted(event))
    print("hello,", event.get("name", "world"))
    return {
        "greeting": f"hello, {event.get('name', 'world')}",
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_time_ms": context.get_remaining_time_in_millis(),
    }
