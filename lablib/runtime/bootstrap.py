"""A lean Python runtime interface client: runs inside an execution environment.

It speaks the Lambda Runtime API (``/2018-06-01/runtime/...``) over one keep-alive HTTP
connection, exactly as AWS's ``awslambdaric`` does, and reproduces its error shapes and log
formats. It is imported by the zygote before forking, so each environment starts warm.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import socket
import sys
import time
import traceback
from typing import Any

_API_PREFIX = "/2018-06-01/runtime"
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


class FaultError(Exception):
    """A runtime fault with an AWS error type (Runtime.ImportModuleError, ...)."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


class LambdaContext:
    """The context object handed to a Python handler (same attributes as on AWS)."""

    def __init__(
        self,
        request_id: str,
        deadline_ms: int,
        invoked_function_arn: str,
        client_context: Any,
        identity: Any,
    ) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.client_context = client_context
        self.identity = identity
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},identity={self.identity}])"
        )


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _RequestIdFilter.request_id
        return True


class _LambdaLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes one log event per record; newlines become carriage returns, as on AWS."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = self.format(record).replace("\n", "\r")
            self.stream.write(msg + "\n")
            self.flush()
        except Exception:  # pragma: no cover - mirrors logging's own policy
            self.handleError(record)


class _JsonFormatter(logging.Formatter):
    """LoggingConfig LogFormat=JSON: one JSON object per record, as AWS's runtime writes."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime(_DATE_FORMAT, time.gmtime(record.created))
        document: dict[str, Any] = {
            "timestamp": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", ""),
        }
        if record.exc_info:
            document["errorType"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
            document["stackTrace"] = traceback.format_exception(*record.exc_info)
        return json.dumps(document, default=str)


_JSON_LOGS = False
_LEVEL_NAMES = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}


def _setup_logging() -> None:
    global _JSON_LOGS
    handler = _LambdaLogHandler(sys.stdout)
    _JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON"
    formatter: logging.Formatter
    if _JSON_LOGS:
        formatter = _JsonFormatter()
        level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper()
        logging.getLogger().setLevel(_LEVEL_NAMES.get(level, level))
    else:
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            _DATE_FORMAT,
        )
        formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)


def load_handler(handler: str) -> Any:
    """Import ``module.function`` the way awslambdaric does, raising FaultError on failure."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}"
        ) from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultError(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {modname} as a handler module",
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as exc:
        raise FaultError(
            "Runtime.ImportModuleError", f"Unable to import module '{modname}': {exc}"
        ) from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        message = f"Syntax error in module '{modname}': {exc}{_older_python_note()}"
        raise FaultError("Runtime.UserCodeSyntaxError", message, trace) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultError(
            "Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'"
        ) from None


def _older_python_note() -> str:
    """When lablib ran this function on an older Python than it declares (that version is not
    installed), a syntax error may be valid on the declared one: say so, and how to fix it."""
    declared = os.environ.get("AWS_EXECUTION_ENV", "").removeprefix("AWS_Lambda_python")
    try:
        wanted = tuple(int(part) for part in declared.split("."))
    except ValueError:
        return ""
    running = sys.version_info[:2]
    if len(wanted) != 2 or wanted <= running:
        return ""
    return (
        f" (this function declares python{declared} but ran on Python "
        f"{'.'.join(map(str, sys.version_info[:3]))} because Python {declared} was not found; "
        f"this syntax may be valid on {declared}: install Python {declared} (pyenv install "
        f"{declared}, uv python install {declared} or your system's package), then run "
        f"`lablib runtimes install python{declared}`)"
    )


def _user_frames(tb: Any) -> list[str]:
    frames = traceback.extract_tb(tb)
    keep = [f for f in frames if not f.filename.endswith(("bootstrap.py", "zygote.py"))]
    return traceback.format_list(keep)


def error_result(
    message: str, error_type: str, trace: list[str] | None, request_id: str | None
) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id if request_id is not None else "",
        "stackTrace": trace or [],
    }


def _nbsp_indent(line: str) -> str:
    stripped = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(stripped)) + stripped


def log_error(result: dict[str, Any]) -> None:
    """Write the error the way awslambdaric does: one multi-line log event (or JSON)."""
    if _JSON_LOGS:
        stamp = time.strftime(_DATE_FORMAT, time.gmtime())
        sys.stdout.write(json.dumps({"timestamp": stamp + "Z", "level": "ERROR", **result}) + "\n")
        sys.stdout.flush()
        return
    lines = [f"[ERROR] {result['errorType']}: {result['errorMessage']}"]
    lines.append("Traceback (most recent call last):")
    for element in result.get("stackTrace") or []:  # indents as no-break spaces, as awslambdaric
        lines.extend(_nbsp_indent(line) for line in element.splitlines())
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


class RuntimeClient:
    """Blocking client of the Runtime API over one keep-alive connection."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.host = address
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def _call(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[dict[str, str], bytes]:
        """One HTTP/1.1 exchange, written and parsed by hand: this is every invocation's path."""
        head = [f"{method} {_API_PREFIX}{path} HTTP/1.1", f"Host: {self.host}"]
        head.extend(f"{name}: {value}" for name, value in headers.items())
        head.append(f"Content-Length: {len(body or b'')}")
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b""))
        status = self.reader.readline()
        if not status:
            raise ConnectionError("the Runtime API closed the connection")
        received: dict[str, str] = {}
        while True:
            line = self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            received[name.strip().lower()] = value.strip()
        length = int(received.get("content-length", "0") or 0)
        return received, self.reader.read(length) if length else b""

    def next(self) -> tuple[dict[str, str], bytes]:
        return self._call("GET", "/invocation/next")

    def post_response(self, request_id: str, body: bytes) -> None:
        self._call("POST", f"/invocation/{request_id}/response", body, **_peak_memory())

    def post_error(self, request_id: str, result: dict[str, Any]) -> None:
        body = json.dumps(result).encode()
        self._call(
            "POST",
            f"/invocation/{request_id}/error",
            body,
            **{"Lambda-Runtime-Function-Error-Type": result["errorType"]},
            **_peak_memory(),
        )

    def post_init_error(self, result: dict[str, Any]) -> None:
        body = json.dumps(result).encode()
        self._call(
            "POST",
            "/init/error",
            body,
            **{"Lambda-Runtime-Function-Error-Type": result["errorType"]},
        )


def _peak_memory() -> dict[str, str]:
    """This process's peak resident memory (VmHWM, in KiB) for REPORT's Max Memory Used:
    cheaper for the server to be told than to read /proc after every invocation."""
    return {"Lablib-Max-Rss-Kb": str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}


def _handle(client: RuntimeClient, handler: Any, headers: dict[str, str], body: bytes) -> None:
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    _RequestIdFilter.request_id = request_id
    trace = headers.get("lambda-runtime-trace-id")  # as awslambdaric: for SDKs and loggers
    if trace:
        os.environ["_X_AMZN_TRACE_ID"] = trace
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    result: dict[str, Any] | None = None
    payload = b""
    try:
        client_context = headers.get("lambda-runtime-client-context")
        identity = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            request_id,
            int(headers.get("lambda-runtime-deadline-ms", "0")),
            headers.get("lambda-runtime-invoked-function-arn", ""),
            json.loads(client_context) if client_context else None,
            json.loads(identity) if identity else None,
        )
        event = json.loads(body) if body else {}
        response = handler(event, context)
        try:
            payload = json.dumps(response).encode()
        except (TypeError, ValueError) as exc:
            raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None
    except FaultError as fault:
        result = error_result(fault.message, fault.error_type, fault.trace, request_id)
    except Exception as exc:
        result = error_result(
            str(exc), type(exc).__name__, _user_frames(exc.__traceback__), request_id
        )
    sys.stdout.flush()
    sys.stderr.flush()
    if result is not None:
        log_error(result)
        client.post_error(request_id, result)
    else:
        client.post_response(request_id, payload)


def run(address: str, handler_name: str) -> None:
    """The environment's main loop: init, then next/handle forever."""
    _setup_logging()
    client = RuntimeClient(address)
    try:
        handler = load_handler(handler_name)
    except FaultError as fault:
        result = error_result(fault.message, fault.error_type, fault.trace, None)
        log_error(result)
        client.post_init_error(result)
        sys.exit(1)
    except Exception as exc:
        result = error_result(str(exc), type(exc).__name__, _user_frames(exc.__traceback__), None)
        log_error(result)
        client.post_init_error(result)
        sys.exit(1)
    sys.stdout.flush()
    while True:
        headers, body = client.next()
        _handle(client, handler, headers, body)
