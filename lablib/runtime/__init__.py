"""The Lambda runtime: execution environments speaking the Runtime API, the scheduler that
owns them (concurrency, timeouts, memory), the async queue, and log/metric telemetry.
It knows nothing of moto, API Gateway or notebooks: callers hand it plain FunctionConfigs."""
