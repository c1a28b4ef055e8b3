"""Starting a Lambda execution environment: unpack the code and layers, set the variables
AWS sets (``_RESERVED_ENV``: those a function may not set itself), lay out the sandbox's mounts
and spawn the worker through the executor. ``Scheduler`` (``lablib.runtime.scheduler``)
inherits ``Spawner`` and owns the pool the new environment joins."""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from pathlib import Path
from typing import Any

from lablib.runtime import node, sandbox
from lablib.runtime import telemetry as tel
from lablib.runtime.code import CodeError, CodeStore
from lablib.runtime.environment import Environment
from lablib.runtime.executor import EnvironmentSpec, Executor, ExecutorError
from lablib.runtime.model import (
    CUSTOM_RUNTIMES,
    NODE_RUNTIMES,
    PYTHON_RUNTIMES,
    FunctionConfig,
    RuntimeUnavailable,
    ServiceError,
)
from lablib.runtime.runtime_api import RuntimeAPIChannel

_RESERVED_ENV = {
    "_HANDLER",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
}


class _InitFailure(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class Spawner:
    """The part of ``Scheduler`` that starts environments (the state is the Scheduler's)."""

    executor: Executor
    state_dir: Path
    endpoint: str
    code: CodeStore
    _lock: threading.Lock
    _all: dict[str, Environment]

    def _discard(self, env: Environment) -> None:
        raise NotImplementedError  # the Scheduler's: stop and forget an environment

    def _spawn(self, fn: FunctionConfig) -> Environment:
        if fn.runtime in PYTHON_RUNTIMES:
            kind = "python"
        elif fn.runtime in CUSTOM_RUNTIMES or fn.runtime in NODE_RUNTIMES:
            kind = "exec"
        else:
            raise RuntimeUnavailable(
                f"The runtime {fn.runtime!r} is not available in this local lab. Use a Python "
                f"runtime ({', '.join(sorted(PYTHON_RUNTIMES))}), Node.js "
                f"({', '.join(sorted(NODE_RUNTIMES))}, where node is installed) or a custom "
                f"runtime (provided.al2023 with an executable 'bootstrap')."
            )
        node_bin = node.require(fn.runtime) if fn.runtime in NODE_RUNTIMES else None
        try:
            task_root = self.code.unpack("code", fn.code_sha, fn.load_code())
            opt_dir = self.code.layers([(x.sha, x.load) for x in fn.layers]) if fn.layers else None
        except CodeError as exc:
            raise _InitFailure("InvalidZipFileException", str(exc)) from None
        env_hex = secrets.token_hex(16)
        root = self.state_dir / "envs" / env_hex
        (root / "tmp").mkdir(parents=True)
        stream = tel.stream_name(fn.version, env_hex)
        channel = RuntimeAPIChannel()
        env = Environment(env_hex, fn, channel, root / "output.log", stream, root)
        isolated = getattr(self.executor, "isolation", "none") != "none"
        # Paths as the environment sees them: AWS's layout in its own mount namespace.
        task = sandbox.TASK if isolated else str(task_root)
        opt = (sandbox.OPT if isolated else str(opt_dir)) if opt_dir else ""
        tmp = "/tmp" if isolated else str(root / "tmp")
        variables = dict(fn.env_vars)
        variables.update(self._environment_variables(fn, env, channel.address, task, tmp))
        extra_path = [f"{opt}/python/lib/{fn.runtime}/site-packages", f"{opt}/python", opt]
        extra_path = extra_path if opt else []
        variables["PYTHONPATH"] = os.pathsep.join([task, *extra_path])
        if node_bin:
            layer_views = [Path(opt)] if opt else []
            executable = node.launcher(root, node_bin, layer_views, Path(task))
        elif opt_dir and not (task_root / "bootstrap").exists():
            executable = str(opt_dir / "bootstrap")
        else:
            executable = str(task_root / "bootstrap")
        if kind == "python":
            env.python = self._python_choice(fn)
        spec = EnvironmentSpec(
            env_id=env_hex,
            kind=kind,
            runtime=fn.runtime,
            api_address=channel.address,
            handler=fn.handler,
            task_root=task,
            tmp_dir=str(root / "tmp"),
            log_path=str(env.log_path),
            env=variables,
            extra_path=extra_path,
            tmp_mb=fn.ephemeral_mb,
            executable=executable,
        )
        if kind == "exec" and not os.access(spec.executable, os.X_OK):
            channel.close()
            shutil.rmtree(root, ignore_errors=True)
            raise _InitFailure(
                "Runtime.InvalidEntrypoint",
                "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
            )
        if isolated:
            self._isolate(spec, task_root, opt_dir, node_bin)

        def on_exit(reason: str) -> None:
            env.exit_reason = reason
            env.exited = env.dead = True
            env.ended.set()
            channel.process_exited()
            with self._lock:
                idle = not env.busy and env.env_id in self._all
            if idle:  # died while idle: drop it now, the next invoke starts cold
                self._discard(env)

        with self._lock:
            self._all[env_hex] = env
        try:
            env.pid = self.executor.spawn(spec, on_exit)
            env.alive()  # opens /proc/<pid>/status now, while the pid is surely this process
        except ExecutorError as exc:
            self._discard(env)
            raise ServiceError(str(exc)) from None
        return env

    def _isolate(
        self, spec: EnvironmentSpec, task_root: Path, opt_dir: Path | None, node_bin: str | None
    ) -> None:
        """Mounts for the environment's namespace; executable becomes its path inside."""
        mounts = [(str(task_root), sandbox.TASK, "ro"), (spec.tmp_dir, "/tmp", "rw")]
        mounts.append((str(opt_dir), sandbox.OPT, "ro") if opt_dir else ("", sandbox.OPT, "dir"))
        if node_bin:
            mounts.append((spec.executable, sandbox.RUNTIME_BOOTSTRAP, "ro"))
            spec.executable = sandbox.RUNTIME_BOOTSTRAP
            real = os.path.realpath(node_bin)
            spec.readable = [real, os.path.dirname(os.path.dirname(real))]
        elif spec.kind == "exec":
            inside = sandbox.TASK if spec.executable.startswith(str(task_root)) else sandbox.OPT
            spec.executable = inside + "/bootstrap"
        spec.mounts = mounts
        home = os.environ.get("LABLIB_HOME") or os.path.expanduser("~/.lablib")
        spec.hide = [str(self.state_dir), str(self.state_dir.parent), home]

    def _python_choice(self, fn: FunctionConfig) -> Any:
        """The interpreter that runs fn's declared Python runtime (None: lablib's own)."""
        choose = getattr(self.executor, "python_for", None)
        return None if choose is None else choose(fn.runtime)

    def _environment_variables(
        self, fn: FunctionConfig, env: Environment, api: str, task_root: str, tmp: str
    ) -> dict[str, str]:
        return {
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_VERSION": fn.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": fn.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": env.stream,
            "AWS_LAMBDA_RUNTIME_API": api,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime}",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "ASIALOCALLABFAKEKEY0",
            "AWS_SECRET_ACCESS_KEY": "local-lab-fake-secret",
            # Per-function session token: IAM learning mode (lablib.iam_mode) reads it.
            "AWS_SESSION_TOKEN": f"lablib-function:{fn.unqualified_arn}",
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent),
            "_HANDLER": fn.handler,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "TMPDIR": tmp,
            "HOME": tmp,
            "PYTHONDONTWRITEBYTECODE": "1",
            **(
                {
                    "AWS_LAMBDA_LOG_FORMAT": "JSON",
                    "AWS_LAMBDA_LOG_LEVEL": fn.app_log_level or "INFO",
                }
                if fn.log_format == "JSON"
                else {}
            ),
        }
