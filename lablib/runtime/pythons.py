"""Which interpreter runs each declared Python runtime, and its small runtime environment.

A ``python3.12`` function runs on a Python 3.12 found on this machine, looked up in order:
``LABLIB_PYTHON_3_12`` (a path; if set but unusable, nothing else is tried), ``python3.12``
on PATH, pyenv (``~/.pyenv/versions/3.12.*``), uv (``~/.local/share/uv/python``) and
``/usr/bin``. The version lablib itself runs on uses lablib's own interpreter. Any other
version gets its own virtual environment under ``runtimes_dir()`` holding what AWS's runtime
provides (boto3/botocore at a pinned version) plus a copy of lablib's runtime client (its
zygote imports only ``lablib.runtime``, which therefore uses nothing else of lablib); it is
created once (``lablib runtimes install python3.12``, or on first use with a progress line)
and never touches the learner's environments. A version that is not found runs on lablib's
own interpreter, and ``Choice.note`` says so.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

VERSIONED = ("3.10", "3.11", "3.12", "3.13", "3.14")  # runtimes with their own interpreter
PACKAGES = ("boto3==1.44.8", "botocore==1.44.8")  # what AWS's Python runtimes bundle
INSTALL_TIMEOUT_S = 600
HOST = "{}.{}".format(*sys.version_info[:2])
HOST_FULL = "{}.{}.{}".format(*sys.version_info[:3])
_PROBE = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
_RUNTIME_FILES = Path(__file__).parent


@dataclass(frozen=True)
class Choice:
    """What runs one declared runtime."""

    runtime: str  # "python3.12"
    python: str  # the interpreter that runs it
    version: str  # its full version, "3.12.1"
    source: str  # where it was found: "LABLIB_PYTHON_3_12", "PATH", "pyenv", "uv", "host"
    env_dir: Path | None = None  # its runtime environment (None: lablib's own interpreter)
    note: str = ""  # why it is not the declared version (empty when it is)

    @property
    def fallback(self) -> bool:
        return bool(self.note)


def declared_version(runtime: str) -> str:
    return runtime.removeprefix("python")


def install_hint(version: str) -> str:
    return (
        f"install Python {version} (pyenv install {version}, uv python install {version} or "
        f"your system's package), then run `lablib runtimes install python{version}`"
    )


def runtimes_dir() -> Path:
    """LABLIB_RUNTIMES_DIR, default lablib's cache (~/.cache/lablib/runtimes): not under
    LABLIB_HOME, which isolated environments must not see, while they read these."""
    configured = os.environ.get("LABLIB_RUNTIMES_DIR")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "lablib" / "runtimes"


_probed: dict[str, str | None] = {}
_probe_lock = threading.Lock()


def probe(python: str) -> str | None:
    """The full version of an interpreter, or None if it does not run (pyenv shims of an
    inactive version exist but fail)."""
    with _probe_lock:
        if python in _probed:
            return _probed[python]
    try:
        done = subprocess.run(
            [python, "-c", _PROBE], capture_output=True, text=True, timeout=30, check=False
        )
        version = done.stdout.strip() if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        version = None
    with _probe_lock:
        _probed[python] = version
    return version


def candidates(version: str) -> list[tuple[str, str]]:
    """(source, path) in lookup order."""
    home = Path.home()
    found: list[tuple[str, str]] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(("PATH", on_path))
    for pattern, source in (
        (f"{home}/.pyenv/versions/{version}.*/bin/python{version}", "pyenv"),
        (f"{home}/.local/share/uv/python/cpython-{version}.*/bin/python{version}", "uv"),
        (f"/usr/bin/python{version}", "system"),
    ):
        for path in sorted(glob.glob(pattern), reverse=True):
            found.append((source, path))
    return found


def find(version: str) -> tuple[str, str, str] | str:
    """(source, path, full version) of an interpreter for ``version``, or why there is none."""
    variable = "LABLIB_PYTHON_" + version.replace(".", "_")
    configured = os.environ.get(variable)
    if configured:
        full = probe(configured)
        if full is not None and full.startswith(version + "."):
            return variable, configured, full
        return f"{variable}={configured} is not a working Python {version}"
    for source, path in candidates(version):
        full = probe(path)
        if full is not None and full.startswith(version + "."):
            return source, path, full
    return f"Python {version} was not found on this machine"


def _marker(env_dir: Path) -> Path:
    return env_dir / "lablib-runtime.json"


def _wanted(python: str, full: str) -> dict[str, object]:
    return {"python": python, "version": full, "packages": list(PACKAGES)}


def installed(env_dir: Path, python: str, full: str) -> bool:
    try:
        return bool(json.loads(_marker(env_dir).read_text()) == _wanted(python, full))
    except (OSError, ValueError):
        return False


def install(runtime: str, progress: Callable[[str], None] = print) -> Choice:
    """Create (or reuse) the runtime environment of ``runtime``; raise RuntimeError if the
    interpreter is missing or the environment cannot be created."""
    version = declared_version(runtime)
    if version not in VERSIONED:
        raise RuntimeError(f"{runtime} has no runtime environment of its own (use one of "
                           f"{', '.join('python' + v for v in VERSIONED)})")  # fmt: skip
    found = find(version)
    if isinstance(found, str):
        raise RuntimeError(f"{found}: {install_hint(version)}")
    source, python, full = found
    env_dir = runtimes_dir() / runtime
    if version == HOST:
        return Choice(runtime, sys.executable, HOST_FULL, "host")
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(env_dir.parent / f".{runtime}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one creator at a time (two local AWSs, two tests)
        if not installed(env_dir, python, full):
            progress(
                f"lablib: creating the {runtime} runtime environment (Python {full} from "
                f"{source}, {', '.join(PACKAGES)}) in {env_dir}; this happens once"
            )
            shutil.rmtree(env_dir, ignore_errors=True)
            steps = [
                [python, "-m", "venv", str(env_dir)],
                [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q",
                 "--disable-pip-version-check", *PACKAGES],
            ]  # fmt: skip
            for step in steps:
                done = subprocess.run(
                    step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
                )
                if done.returncode != 0:
                    shutil.rmtree(env_dir, ignore_errors=True)
                    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                    raise RuntimeError(
                        f"could not create the {runtime} runtime environment "
                        f"({' '.join(step[:4])} ...): {' / '.join(tail)}"
                    )
            _marker(env_dir).write_text(json.dumps(_wanted(python, full)))
            progress(f"lablib: the {runtime} runtime environment is ready")
    return Choice(runtime, str(env_dir / "bin" / "python"), full, source, env_dir)


def stage(env_dir: Path) -> Path:
    """Copy lablib's runtime client (lablib/runtime/*.py) into the runtime environment, so
    the zygote there imports it without the rest of lablib; returns the PYTHONPATH entry.

    The copy's folder is named after its content: two lablib versions on one machine (two
    checkouts, a benchmark's baseline) share the runtime environments but never each
    other's runtime client."""
    sources = {path.name: path.read_bytes() for path in sorted(_RUNTIME_FILES.glob("*.py"))}
    digest = hashlib.sha1(b"".join(name.encode() + b"\0" + data for name, data in sources.items()))
    root = env_dir / f"lablib-client-{digest.hexdigest()[:12]}"
    target = root / "lablib" / "runtime"
    target.mkdir(parents=True, exist_ok=True)
    init = root / "lablib" / "__init__.py"
    if not init.exists():
        init.write_text('"""Only lablib.runtime, copied for this runtime environment."""\n')
    for name, data in sources.items():
        destination = target / name
        with contextlib.suppress(OSError):
            if destination.read_bytes() == data:
                continue
        partial = destination.with_name(f".{name}.{os.getpid()}")
        partial.write_bytes(data)
        os.replace(partial, destination)
    return root


def choose(runtime: str, progress: Callable[[str], None] = print) -> Choice:
    """What runs ``runtime``: its own interpreter (creating its environment if needed) or,
    when that is not possible, lablib's own interpreter with a note saying why."""
    version = declared_version(runtime)
    if version == HOST:
        return Choice(runtime, sys.executable, HOST_FULL, "host")
    if version not in VERSIONED:
        note = f"{runtime} has no interpreter of its own in this lab"
        return Choice(runtime, sys.executable, HOST_FULL, "host", None, note)
    try:
        return install(runtime, progress)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return Choice(runtime, sys.executable, HOST_FULL, "host", None, str(exc))
