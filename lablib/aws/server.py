"""The local AWS: moto's control planes plus lablib's data planes, on 127.0.0.1.

``LocalAWS`` runs it in-process (a thread for HTTP, a zygote process for Lambda
environments). ``lablib serve`` runs the same thing as its own process.
"""

from __future__ import annotations

import json
import os
import shutil
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
from lablib.aws.lambda_checks import (
    _LAMBDA_CONTROL_PREFIXES,
    FUNCTIONS_PATH,
    _check_code,
    _check_config,
    _check_create,
    _check_name,
    _code_for,
    _lambda_operation,
    _unquote,
)
from lablib.aws.plugins import PluginEntry, PluginLoader
from lablib.aws.wsgi import json_object, read_body
from lablib.runtime import sandbox
from lablib.runtime.executor import ZygoteExecutor
from lablib.runtime.scheduler import Scheduler
from lablib.runtime.telemetry import Telemetry
from lablib.runtime.zygotes import ZygotePerVersion

# Data planes beyond Lambda: each module has ``install(local_aws)`` returning an object with
# ``close()``; it may add HTTP routes with ``local_aws.front.add_route``. A plugin is loaded
# lazily, just before the first request to one of its services (by SigV4 signing name) or
# paths, so start-up stays fast and a lab pays only for what it uses. Missing modules are
# skipped, so each area can land on its own.
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
        self.plugins = PluginLoader(self, PLUGINS)
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

    @property
    def account(self) -> str:
        """The account id every resource of this local AWS belongs to."""
        return str(moto_bridge.ACCOUNT_ID)

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


class _Placeholder:
    """Answers 503 in the instant between binding the port and installing the real app."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("503 Service Unavailable", [("Content-Length", "0")])
        return [b""]
