"""The scheduler owns execution environments: it picks a warm one or starts a cold one,
enforces concurrency, timeouts and memory, and turns each outcome into AWS's shapes.
Starting an environment is ``spawner.Spawner`` and enforcing memory limits and idle time is
``watchdog.Watchdog`` (``Scheduler`` inherits both); one environment's process, output and
memory are ``environment.Environment``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from lablib.runtime import telemetry as tel
from lablib.runtime.code import CodeStore
from lablib.runtime.environment import Environment, _exit_message, _zygote_died
from lablib.runtime.executor import Executor
from lablib.runtime.model import (
    MAX_SYNC_RESPONSE,
    PYTHON_RUNTIMES,
    FunctionConfig,
    InvokeResult,
    ServiceError,
    Throttled,
)
from lablib.runtime.runtime_api import Invocation
from lablib.runtime.spawner import Spawner, _InitFailure
from lablib.runtime.watchdog import Watchdog

INIT_TIMEOUT_S = 10.0
EXIT_REPORT_WAIT_S = 5.0  # how long a killed environment's exit report may take to arrive
SPAWN_ALLOWANCE_S = 2.0  # forking a new environment from a running zygote (in invoke_bound_s)


class Scheduler(Spawner, Watchdog):
    def __init__(
        self,
        executor: Executor,
        state_dir: Path,
        telemetry: tel.Telemetry,
        endpoint: str,
        account_concurrency: int = 1000,
        idle_seconds: float = 600.0,
    ) -> None:
        self.executor = executor
        self.state_dir = state_dir
        self.telemetry = telemetry
        self.endpoint = endpoint
        self.account_concurrency = account_concurrency
        self.idle_seconds = idle_seconds
        self.code = CodeStore(state_dir)
        self._lock = threading.Lock()
        self._idle: dict[str, list[Environment]] = {}
        self._all: dict[str, Environment] = {}
        self._busy_by_function: dict[str, int] = {}
        self._busy_total = 0
        self._closed = False
        self._told_fallback: set[str] = set()
        # The watchdog samples memory only while an invocation is in flight; otherwise it
        # sleeps on this condition until one starts or an idle environment is due to stop.
        self._wake = threading.Condition(self._lock)
        self.watchdog_passes = 0  # passes over the environments (tests: none while idle)
        self.watchdog_parked = False  # waiting for an invocation (or an idle deadline)
        self._watchdog = threading.Thread(target=self._watch, name="lambda-watchdog", daemon=True)
        self._watchdog.start()

    # -- public ----------------------------------------------------------------------------
    @property
    def environments(self) -> int:
        with self._lock:
            return len(self._all)

    @property
    def busy_environments(self) -> int:
        """Environments running an invocation right now."""
        with self._lock:
            return sum(1 for env in self._all.values() if env.busy and not env.dead)

    def invoke_bound_s(self, fn: FunctionConfig) -> float | None:
        """The longest a synchronous invoke of ``fn`` started now can take, or None when
        there is no bound: no environment of fn's configuration runs yet, so a first start
        may have to set up its runtime (a Python version's environment is created on first
        use) and unpack its code. Once one runs, even a cold start (the running ones busy)
        waits at most for the init (INIT_TIMEOUT_S, or the function's timeout if longer),
        the invocation (its timeout) and a timed-out environment's exit report."""
        key = fn.fingerprint
        with self._lock:
            running = bool(self._idle.get(key)) or any(
                env.fn.fingerprint == key for env in self._all.values()
            )
        if not running:
            return None
        timeout = fn.timeout_s
        return max(INIT_TIMEOUT_S, timeout) + timeout + EXIT_REPORT_WAIT_S + SPAWN_ALLOWANCE_S

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [env.pid for env in self._all.values() if env.pid]

    def invoke(
        self,
        fn: FunctionConfig,
        payload: bytes,
        invoked_arn: str,
        qualifier: str | None = None,
        client_context: str | None = None,
        tail: bool = False,
        request_id: str | None = None,
    ) -> InvokeResult:
        request_id = request_id or str(uuid.uuid4())
        box: list[Environment | None] = [self._acquire(fn)]
        try:
            return self._run(
                box, fn, payload, invoked_arn, qualifier, client_context, tail, request_id
            )
        finally:
            self._release(box[0], fn)

    def retire(self, function_name: str | None = None) -> None:
        """Stop idle environments (of one function, or all); busy ones stop when done."""
        with self._lock:
            victims = [
                env
                for env in self._all.values()
                if function_name is None or env.fn.name == function_name
            ]
        for env in victims:
            if not env.busy:
                self._discard(env)
            else:
                env.fn = _stale(env.fn)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            envs = list(self._all.values())
            self._wake.notify_all()
        for env in envs:
            self._discard(env)
        self._watchdog.join(2)

    # -- environments ----------------------------------------------------------------------
    def _acquire(self, fn: FunctionConfig) -> Environment | None:
        with self._lock:
            busy_fn = self._busy_by_function.get(fn.name, 0)
            if fn.reserved_concurrency is not None and busy_fn >= fn.reserved_concurrency:
                raise Throttled(
                    "ReservedFunctionConcurrentInvocationLimitExceeded",
                    "Rate Exceeded.",
                )
            if self._busy_total >= self.account_concurrency:
                raise Throttled("ConcurrentInvocationLimitExceeded", "Rate Exceeded.")
            self._busy_by_function[fn.name] = busy_fn + 1
            self._busy_total += 1
            if self.watchdog_parked:
                self._wake.notify()  # memory sampling starts with the invocation
            pool = self._idle.get(fn.fingerprint)
            while pool:
                env = pool.pop()
                if env.dead:  # died while idle: the exit report is dropping it
                    continue
                env.busy = True
                return env
        return None

    def _release(self, env: Environment | None, fn: FunctionConfig) -> None:
        with self._lock:
            self._busy_by_function[fn.name] -= 1
            self._busy_total -= 1
            if env is None:
                return
            env.busy = False
            env.last_used = time.monotonic()
            if not env.dead and env.fn.fingerprint == fn.fingerprint and not self._closed:
                self._idle.setdefault(fn.fingerprint, []).append(env)
                return
        self._discard(env)  # dead (also if it died just now), stale or closing

    def _first_fallback(self, fn: FunctionConfig) -> bool:
        with self._lock:
            if fn.unqualified_arn in self._told_fallback:
                return False
            self._told_fallback.add(fn.unqualified_arn)
        return True

    def _fallback_line(self, fn: FunctionConfig, choice: Any) -> str:
        line = (
            f"lablib: {fn.name} declares {fn.runtime} but runs on Python {choice.version} "
            f"({choice.python}): {choice.note}"
        )
        print(line, flush=True)  # the server's output, once per function
        return line

    def _stop(self, env: Environment) -> None:
        """Kill a running environment and wait (bounded) for the report of its end, so all it
        wrote is in its output file. The caller reads that, then discards the environment."""
        env.dead = True
        if env.pid and not env.exited:
            self.executor.kill(env.pid)
            env.ended.wait(EXIT_REPORT_WAIT_S)

    def _discard(self, env: Environment) -> None:
        with self._lock:
            if self._all.pop(env.env_id, None) is None:
                return  # already discarded
            pool = self._idle.get(env.fn.fingerprint)
            if pool and env in pool:
                pool.remove(env)
        env.dead = True
        if env.pid and not env.exited:
            self.executor.kill(env.pid)
        env.channel.close()
        env.close_files()
        shutil.rmtree(env.root, ignore_errors=True)

    # -- one invocation --------------------------------------------------------------------
    def _run(
        self,
        box: list[Environment | None],
        fn: FunctionConfig,
        payload: bytes,
        invoked_arn: str,
        qualifier: str | None,
        client_context: str | None,
        tail: bool,
        request_id: str,
    ) -> InvokeResult:
        lines: list[tuple[int, str]] = []
        init_ms: float | None = None
        env = box[0]
        cold = env is None
        if env is None:
            if fn.runtime in PYTHON_RUNTIMES:
                self._python_choice(fn)  # a new version's zygote starts before the clock runs
            started = time.perf_counter()
            init_wall_ms = int(time.time() * 1000)
            try:
                env = box[0] = self._spawn(fn)
            except _InitFailure as failure:
                return self._init_failed(fn, request_id, failure.error_type, failure.message)
            ready = env.channel.init.ready.wait(max(INIT_TIMEOUT_S, fn.timeout_s))
            init_ms = (time.perf_counter() - started) * 1000
            now_ms = int(time.time() * 1000)
            ran_on = env.python.version if env.python is not None else None
            lines.append((init_wall_ms, tel.init_start_line(fn.runtime, fn.region, ran_on)))
            if env.python is not None and env.python.fallback and self._first_fallback(fn):
                lines.append((init_wall_ms, self._fallback_line(fn, env.python)))
            lines += tel.split_stamped(env.read_new_output(), init_wall_ms, now_ms)
            if env.channel.init.died and _zygote_died(env):
                self._discard(env)
                raise ServiceError(_SERVICE_MESSAGE)
            if not ready or env.channel.init.error is not None or env.channel.init.died:
                return self._finish_init_error(
                    env, fn, request_id, lines, init_ms, ready, qualifier, tail
                )
        elif not env.alive():
            # Died while idle and its exit report is still on the way: start a new one.
            env.dead = True
            self._discard(env)
            box[0] = None
            return self._run(
                box, fn, payload, invoked_arn, qualifier, client_context, tail, request_id
            )
        else:
            env.busy = True
        env.invocations += 1
        start_wall = time.time()
        start_ms = int(start_wall * 1000)
        lines.append((start_ms, f"START RequestId: {request_id} Version: {fn.version}"))
        deadline_ms = int((start_wall + fn.timeout_s) * 1000)
        invocation = Invocation(request_id, payload, deadline_ms, invoked_arn, client_context)
        begun = time.perf_counter()
        finished = env.channel.run(invocation, fn.timeout_s)
        duration_ms = (time.perf_counter() - begun) * 1000
        status: str | None = None
        measured_mb = 0  # what a timed-out environment used, read before it is killed
        if not finished:
            measured_mb = max(env.rss_mb("VmHWM"), env.tree_mb())
            self._stop(env)  # discarded below, once everything it wrote has been read
            duration_ms = fn.timeout_s * 1000
            status = "timeout"
            message = (
                f"RequestId: {request_id} Error: Task timed out after {fn.timeout_s:.2f} seconds"
            )
            body = _error_body(message, "Sandbox.Timedout")
            function_error: str | None = "Unhandled"
            error_type: str | None = "Sandbox.Timedout"
        elif invocation.status == "died" and _zygote_died(env):
            self._discard(env)
            raise ServiceError(_SERVICE_MESSAGE)
        elif invocation.status == "died":
            env.dead = True
            status = "error"
            reason = _exit_message(env)
            body = _error_body(f"RequestId: {request_id} Error: {reason}", "Runtime.ExitError")
            function_error, error_type = "Unhandled", "Runtime.ExitError"
        elif invocation.status == "error":
            body = invocation.body
            function_error = "Unhandled"
            error_type = invocation.error_type or _error_type(body)
        else:
            body = invocation.body
            function_error = error_type = None
            if len(body) > MAX_SYNC_RESPONSE:
                body = _error_body(
                    f"Response payload size exceeded maximum allowed payload size "
                    f"({MAX_SYNC_RESPONSE} bytes).",
                    "Function.ResponseSizeTooLarge",
                )
                function_error, error_type = "Unhandled", "Function.ResponseSizeTooLarge"
        max_used = _max_memory_used(env, fn, measured_mb, invocation.peak_kb)
        end_ms = int(time.time() * 1000)
        lines += tel.split_stamped(env.read_new_output(), start_ms, end_ms)
        if status == "timeout":  # after what the handler printed, before END and REPORT
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(end_ms / 1000))
            stamp += f".{end_ms % 1000:03d}Z"
            lines.append(
                (end_ms, f"{stamp} {request_id} Task timed out after {fn.timeout_s:.2f} seconds")
            )
        lines.append((end_ms, f"END RequestId: {request_id}"))
        billed_ms = tel.billed(duration_ms, init_ms)
        lines.append(
            (
                end_ms,
                tel.report_line(
                    request_id, duration_ms, billed_ms, fn.memory_mb, max_used, init_ms, status
                ),
            )
        )
        if env.dead:
            self._discard(env)
        return self._record(
            fn,
            env.stream,
            qualifier,
            lines,
            InvokeResult(
                request_id=request_id,
                payload=body,
                executed_version=fn.version,
                function_error=function_error,
                error_type=error_type,
                duration_ms=duration_ms,
                billed_ms=billed_ms,
                init_ms=init_ms,
                max_memory_mb=max_used,
                cold=cold,
                log_tail=None,
            ),
            tail,
        )

    def _record(
        self,
        fn: FunctionConfig,
        stream: str,
        qualifier: str | None,
        lines: list[tuple[int, str]],
        result: InvokeResult,
        tail: bool,
    ) -> InvokeResult:
        if fn.log_format == "JSON":
            lines = tel.json_system_lines(lines, fn)
        if tail:  # AWS's tail holds this invocation, START to REPORT, not the init phase
            texts = [text for _, text in lines]
            start = next((i for i, t in enumerate(texts) if _is_start(t)), 0)
            result.log_tail = tel.tail(texts[start:])
        with self._lock:
            concurrent = self._busy_total
        values = {
            "Invocations": (1.0, "Count"),
            "Duration": (round(result.duration_ms, 2), "Milliseconds"),
            "Errors": (1.0 if result.function_error else 0.0, "Count"),
            "ConcurrentExecutions": (float(concurrent), "Count"),
        }
        self.telemetry.invoked(fn, stream, lines, qualifier, values)
        return result

    def record_throttle(self, fn: FunctionConfig, qualifier: str | None) -> None:
        values = {"Throttles": (1.0, "Count")}
        self.telemetry.metrics(fn, tel.lambda_metrics(fn, qualifier, fn.version, values))

    def _finish_init_error(
        self,
        env: Environment,
        fn: FunctionConfig,
        request_id: str,
        lines: list[tuple[int, str]],
        init_ms: float,
        ready: bool,
        qualifier: str | None = None,
        tail: bool = False,
    ) -> InvokeResult:
        error = env.channel.init.error
        if error is not None:
            body = error
            error_type = _error_type(body)
        elif not ready:
            message = (
                f"RequestId: {request_id} Error: Task timed out after {fn.timeout_s:.2f} seconds"
            )
            body, error_type = _error_body(message, "Sandbox.Timedout"), "Sandbox.Timedout"
        else:
            message = f"RequestId: {request_id} Error: {_exit_message(env)}"
            body, error_type = _error_body(message, "Runtime.ExitError"), "Runtime.ExitError"
        self._stop(env)
        end_ms = int(time.time() * 1000)
        lines += tel.split_stamped(env.read_new_output(), lines[0][0] if lines else 0, end_ms)
        self._discard(env)
        lines.append(
            (
                end_ms,
                f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\t"
                f"Error Type: {error_type}",
            )
        )
        lines.append((end_ms, f"START RequestId: {request_id} Version: {fn.version}"))
        lines.append((end_ms, f"END RequestId: {request_id}"))
        lines.append(
            (
                end_ms,
                tel.report_line(
                    request_id, 0.0, tel.billed(0.0, init_ms), fn.memory_mb, 0, init_ms, "error"
                ),
            )
        )
        result = InvokeResult(
            request_id, body, fn.version, "Unhandled", error_type, init_ms=init_ms, cold=True
        )
        # logged, counted and (LogType=Tail) returned like any other failed invocation
        return self._record(fn, env.stream, qualifier, lines, result, tail)

    def _init_failed(
        self, fn: FunctionConfig, request_id: str, error_type: str, message: str
    ) -> InvokeResult:
        body = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
        return InvokeResult(request_id, body, fn.version, "Unhandled", error_type, cold=True)


_SERVICE_MESSAGE = (
    "An error occurred and the request cannot be processed: the local Lambda runtime's "
    "zygote process died and was restarted; invoke again."
)


def _stale(fn: FunctionConfig) -> FunctionConfig:
    """A copy whose fingerprint matches nothing, so the environment is not reused."""
    from dataclasses import replace

    return replace(fn, code_sha=fn.code_sha + "-retired")


def _timeout_message(request_id: str, timeout_s: float) -> str:
    return f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"


def _error_body(message: str, error_type: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _error_type(body: bytes) -> str:
    with contextlib.suppress(ValueError, AttributeError):
        value = json.loads(body).get("errorType")
        if isinstance(value, str):
            return value
    return "Unhandled"


def _max_memory_used(
    env: Environment, fn: FunctionConfig, measured_mb: int, peak_kb: int = 0
) -> int:
    """REPORT's Max Memory Used: the peak of the worker (VmHWM: as its runtime client
    reported it with the result, else read from /proc) and of its process tree (as the
    watchdog sampled it). An environment killed for memory used all of it; one that died
    before any sample was taken reports its memory size, as before."""
    if env.killed_for_memory:
        return fn.memory_mb
    if not env.dead:
        worker_mb = -(-peak_kb // 1024) if peak_kb else env.rss_mb("VmHWM")
        return max(worker_mb, env.peak_tree_mb, 1)
    return max(measured_mb, env.peak_tree_mb) or fn.memory_mb


def _is_start(text: str) -> bool:
    return text.startswith("START RequestId: ") or '"type": "platform.start"' in text
