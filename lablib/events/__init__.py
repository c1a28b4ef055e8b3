"""Event sources for the local AWS: pull sources polled by event source mappings (SQS,
Kinesis, DynamoDB Streams), push sources delivered on Lambda's asynchronous path (S3, SNS,
EventBridge rules and schedules, CloudWatch Logs subscriptions), the resource-policy check
for push sources, AWS-shaped event records, and sample events for unit-testing handlers.

``plugin.install(local)`` starts it all (the server loads it); ``samples.generate_event`` works
without a local AWS. moto is touched only through ``lablib.aws.moto_bridge.events`` (patches)
and ``lablib.aws.moto_bridge.event_sources`` (reading moto's state as plain data).
"""
