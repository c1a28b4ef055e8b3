"""The local AWS: moto's control planes plus lablib's data planes, on 127.0.0.1.

``LocalAWS`` runs it in-process (a thread for HTTP, a zygote process for Lambda
environments). ``lablib serve`` runs the same thing as its own process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from lablib.aws import (
    bounds,
    code_limits,
    errors,
    fidelity,
    front_guard,
    lambda_control,
    moto_bridge,
)
from lablib.aws.clock import LabClock
from lablib.aws.guard import require_loopback
from lablib.aws.http_front import KeepAliveHandler
from lablib.aws.lambda_api import LambdaDataPlane, error, region_of
from lablib.aws.wsgi import json_object, read_body
from lablib.runtime import sandbox
from lablib.runtime.code import CodeError, check_zip
from lablib.runtime.executor import ZygoteExecutor
from lablib.runtime.model import KNOWN_RUNTIMES
from lablib.runtime.scheduler import Scheduler
from lablib.runtime.spawner import _RESERVED_ENV
from lablib.runtime.telemetry import Telemetry
from lablib.runtime.zygotes import ZygotePerVersion

# Data planes beyond Lambda: each module has ``install(local_aws)`` returning an object with
# ``close()``; it may add HTTP routes with ``local_aws.front.add_route``. A plugin is loaded
# lazily, just before the first request to one of its services (by SigV4 signing name) or
# paths, so start-up stays fast and a lab pays only for what it uses. Missing modules are
# skipped, so each area can land on its own.
PluginEntry = tuple[str, frozenset[str], tuple[str, ...]]
PLUGINS: tuple[PluginEntry | str, ...] = (
    ("lablib.apigateway.plugin", frozenset({"apigateway", "execute-api"}), ("/restapis",)),
    (
        "lablib.events.plugin",
        frozenset({"sqs", "sns", "s3", "kinesis", "dynamodb", "events", "logs"}),
        ("/2015-03-31/event-source-mappings",),
    ),
    # CloudFormation creates state machines too: their definitions are checked, and they run.
    ("lablib.stepfunctions.plugin", frozenset({"states", "cloudformation"}), ()),
    ("lablib.deploy.plugin", frozenset({"codedeploy", "monitoring", "lambda"}), ()),
    ("lablib.sam.plugin", frozenset({"cloudformation"}), ("/_lablib/iam-mode",)),
)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Route = tuple[Callable[[dict[str, Any]], bool], WSGIApp]

_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    # StartSyncExecution's "sync-" host prefix would turn 127.0.0.1 into sync-127.0.0.1.
    "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
}
_CLEARED_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
FUNCTIONS_PATH = "/2015-03-31/functions"


class Front:
    """The WSGI app in front of moto: data planes first, then moto's control planes."""

    def __init__(self, moto_app: WSGIApp, lambda_plane: LambdaDataPlane) -> None:
        self.moto_app = moto_app
        self.lambda_plane = lambda_plane
        self.routes: list[Route] = []
        self.plugins: PluginLoader | None = None
        self.drains: list[Callable[[], None]] = [lambda_plane.scheduler.telemetry.drain]

    def add_drain(self, drain: Callable[[], None]) -> None:
        """``drain`` runs before moto answers any request (after the data planes): a plane
        that records telemetry in the background waits here until it is written, so a
        learner reading logs or metrics sees every earlier request."""
        self.drains.append(drain)

    def add_route(self, matches: Callable[[dict[str, Any]], bool], app: WSGIApp) -> None:
        """Serve requests that ``matches`` with ``app`` instead of moto (data planes)."""
        self.routes.insert(0, (matches, app))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        refused = front_guard.refusal(environ)  # Host, Origin and SigV4 presence
        if refused is not None:
            return refused(start_response)
        problem = errors.bad_content_length(environ)
        if problem:
            return errors.respond(environ, start_response, 400, "BadRequest", problem)
        try:
            return self._dispatch(environ, start_response)
        except Exception as exc:  # never werkzeug's HTML 500: AWS's error shape instead
            return errors.internal(environ, start_response, exc)

    def _dispatch(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if LambdaDataPlane.matches(environ):
            return self.lambda_plane(environ, start_response)
        if self.plugins is not None:
            self.plugins.load_for(environ)
        for matches, app in self.routes:
            if matches(environ):
                return app(environ, start_response)
        # Make telemetry from earlier requests visible before answering anything else.
        for drain in self.drains:
            drain()
        path: str = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        if path.rstrip("/") == "/2016-08-19/account-settings" and method == "GET":
            return self._account_settings(environ, start_response)
        if path.startswith(_LAMBDA_CONTROL_PREFIXES):
            return self._lambda_control(environ, start_response, path, method)
        return self.moto_app(environ, start_response)

    def _account_settings(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        settings = moto_bridge.account_settings(moto_bridge.ACCOUNT_ID, region_of(environ))
        limit = self.lambda_plane.scheduler.account_concurrency
        settings["AccountLimit"]["UnreservedConcurrentExecutions"] += (
            limit - settings["AccountLimit"]["ConcurrentExecutions"]
        )
        settings["AccountLimit"]["ConcurrentExecutions"] = limit
        body = json.dumps(settings).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    def _lambda_control(
        self, environ: dict[str, Any], start_response: StartResponse, path: str, method: str
    ) -> Iterable[bytes]:
        operation = _lambda_operation(method, path)
        too_large = code_limits.request_too_large(environ, operation)
        if too_large:
            return error(start_response, 413, "RequestEntityTooLargeException", too_large)
        body = read_body(environ)
        if operation:
            try:
                fidelity.check("lambda", operation, json_object(body))
            except fidelity.NotSimulated as exc:
                return error(start_response, 400, "InvalidParameterValueException", str(exc))
        if method == "POST" and path.rstrip("/") == FUNCTIONS_PATH:
            problem = _check_name(environ, body) or _check_create(body)
            if problem:
                return error(start_response, 400, _code_for(problem), problem)
        elif method == "POST" and operation == "PublishLayerVersion":
            problem = _check_code(json.dumps(json_object(body).get("Content") or {}).encode())
            if problem:
                return error(start_response, 400, _code_for(problem), problem)
        elif method == "PUT" and path.endswith("/code"):
            problem = _check_code(body)
            if problem:
                return error(start_response, 400, _code_for(problem), problem)
        elif method == "PUT" and path.endswith("/configuration"):
            problem = _check_config(body)
            if problem:
                return error(start_response, 400, _code_for(problem), problem)
        limit = code_limits.check(operation, path, body, region_of(environ))
        if limit:
            return error(start_response, 400, "InvalidParameterValueException", limit)
        refused = lambda_control.refusal(method, path, region_of(environ), json_object(body))
        if refused:
            return error(start_response, *refused)
        result = lambda_control.reshape(self.moto_app, environ, start_response, method, path)
        if method in ("PUT", "DELETE") and path.startswith(FUNCTIONS_PATH + "/"):
            name = path[len(FUNCTIONS_PATH) + 1 :].split("/")[0]
            self.lambda_plane.scheduler.retire(moto_bridge.split_name(_unquote(name), None)[0])
        return result


_LAMBDA_CONTROL_PREFIXES = (
    FUNCTIONS_PATH,
    "/2017-10-31/functions",
    "/2019-09-25/functions",
    "/2018-10-31/layers",
    "/2015-03-31/event-source-mappings",
)
_LAMBDA_OPERATIONS = (
    ("POST", re.compile(r"^/2015-03-31/functions/?$"), "CreateFunction"),
    (
        "PUT",
        re.compile(r"^/2015-03-31/functions/[^/]+/configuration$"),
        "UpdateFunctionConfiguration",
    ),
    ("PUT", re.compile(r"^/2015-03-31/functions/[^/]+/code$"), "UpdateFunctionCode"),
    ("POST", re.compile(r"^/2015-03-31/functions/[^/]+/versions$"), "PublishVersion"),
    ("POST", re.compile(r"^/2015-03-31/functions/[^/]+/aliases$"), "CreateAlias"),
    ("PUT", re.compile(r"^/2015-03-31/functions/[^/]+/aliases/[^/]+$"), "UpdateAlias"),
    (
        "PUT",
        re.compile(r"^/2019-09-25/functions/[^/]+/event-invoke-config$"),
        "PutFunctionEventInvokeConfig",
    ),
    ("POST", re.compile(r"^/2018-10-31/layers/[^/]+/versions$"), "PublishLayerVersion"),
)


def _lambda_operation(method: str, path: str) -> str | None:
    for verb, pattern, operation in _LAMBDA_OPERATIONS:
        if method == verb and pattern.match(path):
            return operation
    return None


def _code_for(problem: str) -> str:
    return (
        "ValidationException"
        if problem.startswith("1 validation error")
        else ("InvalidParameterValueException")
    )


def _unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


def _check_create(body: bytes) -> str | None:
    spec = json_object(body)
    runtime = spec.get("Runtime")
    if spec.get("PackageType", "Zip") == "Zip" and runtime not in KNOWN_RUNTIMES:
        return (
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy "
            f"enum value set: [{', '.join(sorted(KNOWN_RUNTIMES))}] or be a valid ARN"
        )
    return _check_code(json.dumps(spec.get("Code") or {}).encode()) or _check_config(body)


# CreateFunction's FunctionName as botocore's model gives it (a name, or a full or partial ARN).
_FUNCTION_NAME = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
_FUNCTION_NAME_RE = re.compile(_FUNCTION_NAME)


def _check_name(environ: dict[str, Any], body: bytes) -> str | None:
    """Validate CreateFunction's FunctionName as AWS does; an ARN is stored by its name."""
    spec = json_object(body)
    name = spec.get("FunctionName")
    if not isinstance(name, str):
        return None
    prefix = f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
    match = _FUNCTION_NAME_RE.fullmatch(name)
    if match is None:
        return (
            prefix + f"constraint: Member must satisfy regular expression pattern: {_FUNCTION_NAME}"
        )
    if len(name) > 140 or len(match.group(11)) > 64:
        limit = 140 if len(name) > 140 else 64
        return prefix + f"constraint: Member must have length less than or equal to {limit}"
    if name != match.group(11):  # moto would store the ARN as the name: give it the name
        from lablib.aws.wsgi import replace_body

        spec["FunctionName"] = match.group(11)
        replace_body(environ, json.dumps(spec).encode())
    return None


def _check_code(body: bytes) -> str | None:
    """A broken zip (inline or from S3) is refused at upload, as AWS does."""
    import base64

    code = json_object(body)
    try:
        if "ZipFile" in code:
            check_zip(base64.b64decode(code["ZipFile"]))
        elif code.get("S3Bucket") and code.get("S3Key"):
            data = moto_bridge.s3_object(
                moto_bridge.ACCOUNT_ID,
                "us-east-1",
                str(code["S3Bucket"]),
                str(code["S3Key"]),
                code.get("S3ObjectVersion"),
            )
            check_zip(data)
    except (CodeError, ValueError) as exc:
        return str(exc)
    except moto_bridge.ResolveError as exc:
        return exc.message
    return None


_LIMITS = (
    ("MemorySize", "memorySize", 128, 10240),
    ("Timeout", "timeout", 1, 900),
)


def _check_config(body: bytes) -> str | None:
    spec = json_object(body)
    for key, field, low, high in _LIMITS:
        value = spec.get(key)
        if isinstance(value, int) and not low <= value <= high:
            bound = "less" if value > high else "greater"
            limit = high if value > high else low
            return (
                f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
                f"constraint: Member must have value {bound} than or equal to {limit}"
            )
    if "Runtime" in spec and spec["Runtime"] not in KNOWN_RUNTIMES:
        return f"Value {spec['Runtime']} at 'runtime' failed to satisfy constraint"
    variables = (spec.get("Environment") or {}).get("Variables") or {}
    reserved = sorted(set(variables) & _RESERVED_ENV)
    if reserved:
        return (
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not "
            f"supported for modification. Reserved keys used in this request: {', '.join(reserved)}"  # noqa: E501
        )
    return None


_running: set[int] = set()
_running_lock = threading.Lock()


def lablib_home() -> Path:
    """Where lablib keeps its own files (LABLIB_HOME, default ~/.lablib)."""
    return Path(os.environ.get("LABLIB_HOME") or Path.home() / ".lablib")


def state_root() -> Path:
    """Where running environments keep code and scratch files (removed on stop)."""
    return lablib_home().resolve() / "run"


def _remove_stale_state(run_root: Path) -> None:
    """Remove state left by a local AWS whose process was killed (aws-<pid>-...)."""
    for entry in run_root.glob("aws-*-*"):
        pid = entry.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(entry, ignore_errors=True)


class LocalAWS:
    """A local AWS on 127.0.0.1: use ``endpoint`` or ``client(name)`` to talk to it."""

    def __init__(
        self,
        port: int = 0,
        region: str = "us-east-1",
        clock_scale: float | None = None,
        set_environment: bool = True,
    ) -> None:
        self.region = region
        self.clock = LabClock(clock_scale)
        self._requested_port = port
        self._set_environment = set_environment
        self._saved_env: dict[str, str | None] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._state_dir: Path | None = None
        self.endpoint = ""
        self.started_in_s = 0.0

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> LocalAWS:
        if self._server is not None:
            return self
        began = time.perf_counter()
        # This process holds the learner's real environment: no process of the same uid
        # (a handler, when not root) may read its /proc/PID/environ or memory.
        sandbox.set_dumpable(False)
        moto_bridge.install_patches()
        moto_bridge.set_clock_scale(self.clock.scale)
        with _running_lock:
            if not _running:  # moto's state is per process: the first local AWS starts empty
                moto_bridge.reset_state()
            _running.add(id(self))
        run_root = state_root()
        run_root.mkdir(parents=True, exist_ok=True)
        _remove_stale_state(run_root)
        self._state_dir = Path(tempfile.mkdtemp(prefix=f"aws-{os.getpid()}-", dir=run_root))
        executor_box: list[Any] = []
        zygote = threading.Thread(target=lambda: executor_box.append(ZygoteExecutor()))
        zygote.start()
        moto_app = moto_bridge.make_moto_app()
        server = make_server(
            "127.0.0.1",
            self._requested_port,
            _Placeholder(),
            threaded=True,
            request_handler=type(
                "_BoundHandler", (KeepAliveHandler,), {"timeout": bounds.idle_timeout()}
            ),
        )
        self.connections = bounds.ConnectionBound(server, bounds.max_connections())
        self.endpoint = require_loopback(f"http://127.0.0.1:{server.server_port}")
        zygote.join()
        if not executor_box:
            server.server_close()
            raise RuntimeError("could not start the Lambda runtime's zygote process")
        self.executor = ZygotePerVersion(executor_box[0])
        self.telemetry = Telemetry(moto_bridge.MotoLogSink(), moto_bridge.MotoMetricSink())
        self.scheduler = Scheduler(
            self.executor,
            self._state_dir,
            self.telemetry,
            self.endpoint,
            account_concurrency=int(os.environ.get("LABLIB_ACCOUNT_CONCURRENCY", "1000")),
            # how long an unused warm environment is kept (AWS: minutes; a hub class: less)
            idle_seconds=float(os.environ.get("LABLIB_ENV_IDLE_SECONDS") or 600),
        )
        self.executor.on_restart = self._zygote_restarted
        self.lambda_plane = LambdaDataPlane(
            self.scheduler, self.clock, self.endpoint, lablib_home() / "reports"
        )
        self.front = Front(moto_app, self.lambda_plane)
        self.plugins = PluginLoader(self)
        self.front.plugins = self.plugins
        self.plugins.warm()
        server.app = self.front
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="local-aws",
            daemon=True,
        )
        self._thread.start()
        if self._set_environment:
            self._apply_environment()
        self.started_in_s = time.perf_counter() - began
        return self

    def stop(self, drain_seconds: float = 2.0) -> None:
        if self._server is None:
            return
        report_dir = lablib_home() / "reports"
        self.plugins.close()
        self.lambda_plane.close(drain_seconds, report_dir)
        self.connections.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self.scheduler.close()
        self.telemetry.close()
        self.executor.close()
        self._server = None
        with _running_lock:
            _running.discard(id(self))
        if self._state_dir is not None:
            shutil.rmtree(self._state_dir, ignore_errors=True)
        self._restore_environment()

    def _zygote_restarted(self, old_pid: int, new_pid: int) -> None:
        """The executor restarted its zygote (it logged a line): count it as a metric."""
        self.telemetry.runtime_metric(moto_bridge.ACCOUNT_ID, self.region, "ZygoteRestarts")

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> LocalAWS:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- environment -------------------------------------------------------------------------
    def _apply_environment(self) -> None:
        values = dict(
            _FAKE_ENV,
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_DEFAULT_REGION=self.region,
            AWS_REGION=self.region,
        )
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        for key in _CLEARED_ENV:
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ.pop(key, None)

    def _restore_environment(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    # -- clients -----------------------------------------------------------------------------
    def client(self, service: str, allow_remote: bool = False, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` pointed at this local AWS.

        Any other ``endpoint_url`` must be on 127.0.0.1 unless ``allow_remote=True`` says
        that reaching real AWS is intended (then pass real credentials too).
        """
        import boto3

        if not self.running:
            raise RuntimeError("the local AWS is not running; call lablib.start() first")
        kwargs.setdefault("region_name", self.region)
        endpoint = kwargs.pop("endpoint_url", self.endpoint)
        if not allow_remote:
            require_loopback(endpoint)
            kwargs.setdefault("aws_access_key_id", "testing")
            kwargs.setdefault("aws_secret_access_key", "testing")
        return boto3.client(service, endpoint_url=endpoint, **kwargs)

    def __repr__(self) -> str:
        state = self.endpoint if self.running else "stopped"
        return f"<LocalAWS {state} region={self.region} {self.clock.describe()}>"


def signing_service(environ: dict[str, Any]) -> str:
    """The SigV4 service name of a request ('' when unsigned)."""
    auth: str = environ.get("HTTP_AUTHORIZATION", "")
    marker = auth.find("Credential=")
    if marker < 0:
        return ""
    parts = auth[marker + 11 :].split(",", 1)[0].split("/")
    return parts[3] if len(parts) > 3 else ""


class PluginLoader:
    """Loads each data-plane plugin once, before the first request that needs it."""

    def __init__(self, local: LocalAWS) -> None:
        self.local = local
        self.loaded: list[Any] = []
        # A bare module name (e.g. set by a test) is loaded at once; tuples load lazily.
        eager: list[PluginEntry] = [(e, frozenset(), ()) for e in PLUGINS if isinstance(e, str)]
        self._pending: list[PluginEntry] = [e for e in PLUGINS if not isinstance(e, str)]
        self._pending += eager
        self._lock = threading.Lock()
        if os.environ.get("LABLIB_IAM_MODE") == "1":  # learning mode must be on from the start
            eager += [e for e in self._pending if e[0] == "lablib.sam.plugin"]
        if eager:
            self.load(eager)

    # Plugins whose imports are slow (moto's API Gateway models pull in an OpenAPI validator
    # that compiles a grammar at import: seconds on a busy machine): imported in the
    # background at start, so the first request does not wait. Installing stays lazy.
    WARM = ("lablib.apigateway.plugin",)

    def warm(self) -> threading.Thread:
        import importlib

        names = [e[0] for e in self._pending if e[0] in self.WARM]
        if os.environ.get("LABLIB_WARM") == "0":  # a class on one server: load when used
            names = []

        def run() -> None:
            for name in names:
                try:
                    importlib.import_module(name)
                except Exception:  # reported, if it matters, by the real load
                    pass

        thread = threading.Thread(target=run, name="lablib-warm", daemon=True)
        thread.start()
        return thread

    def load_for(self, environ: dict[str, Any]) -> None:
        if not self._pending:
            return
        service = signing_service(environ)
        path: str = environ.get("PATH_INFO", "")
        wanted = [
            entry for entry in self._pending
            if service in entry[1] or (entry[2] and path.startswith(entry[2]))
        ]  # fmt: skip
        if wanted:
            self.load(wanted)

    def load(
        self, entries: list[tuple[str, frozenset[str], tuple[str, ...]]] | None = None
    ) -> None:
        import importlib

        with self._lock:
            for entry in list(entries if entries is not None else self._pending):
                if entry not in self._pending:
                    continue
                self._pending.remove(entry)
                try:
                    module = importlib.import_module(entry[0])
                    self.loaded.append(module.install(self.local))
                except ModuleNotFoundError as exc:
                    if exc.name is not None and entry[0].startswith(exc.name):
                        continue
                    self._report(entry[0], exc)
                except Exception as exc:  # one broken data plane must not stop the others
                    self._report(entry[0], exc)

    @staticmethod
    def _report(name: str, exc: BaseException) -> None:
        import traceback

        print(
            f"lablib: the data plane {name} failed to load ({exc!r}); requests to its "
            "services reach moto's control plane only. Details:\n"
            + "".join(traceback.format_exception(exc)),
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        with self._lock:
            self._pending.clear()
            plugins = list(reversed(self.loaded))
            self.loaded.clear()
        for plugin in plugins:
            plugin.close()


class _Placeholder:
    """Answers 503 in the instant between binding the port and installing the real app."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("503 Service Unavailable", [("Content-Length", "0")])
        return [b""]
