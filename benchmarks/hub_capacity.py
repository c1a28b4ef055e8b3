"""Per-learner capacity for a JupyterHub class (issue #26): memory and CPU of one learner.

Measures, each in its own processes (PSS: shared pages split fairly between processes, so
the sum over many learners is honest; RSS counts shared pages in every process):

1. the learner's Jupyter server (jupyterhub-singleuser is a JupyterLab server), idle;
2. a kernel-like process that ran ``aws = lablib.start()`` (the local AWS, its zygote),
   idle, after a settle time;
3. lab 01 run top to bottom in a real kernel (nbclient): peak PSS/RSS of the kernel's process
   tree (the kernel, its local AWS, zygote and function workers), sampled every 0.25 s, the
   CPU seconds the kernel tree used (getrusage of reaped children) and the wall time.

Run: `.venv/bin/python benchmarks/hub_capacity.py` (about 2 minutes). Prints a Markdown
table naming the machine and its load. Nothing here is asserted.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SETTLE = float(os.environ.get("BENCH_SETTLE_SECONDS", "8"))
IDLE_AFTER = int(os.environ.get("BENCH_IDLE_SECONDS", "20"))  # the hub sets 120
MB = 1024 * 1024


def tree_memory(pid: int) -> tuple[float, float, int]:
    """(PSS MB, RSS MB, processes) of ``pid`` and its descendants."""
    pss = rss = 0.0
    count = 0
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0, 0.0, 0
    for process in processes:
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        pss += info.pss / MB
        rss += info.rss / MB
        count += 1
    return pss, rss, count


def env(home: Path, **extra: str) -> dict[str, str]:
    out = dict(os.environ)
    out["LABLIB_HOME"] = str(home)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    out.update(extra)
    return out


def idle_process(command: list[str], home: Path, ready: str, **extra: str) -> dict[str, float]:
    """Start ``command``, wait for ``ready`` on its stdout (or stderr), settle, measure."""
    process = subprocess.Popen(
        command,
        env=env(home, **extra),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        for line in process.stdout:
            if ready in line or time.monotonic() > deadline:
                break
        time.sleep(SETTLE)
        pss, rss, count = tree_memory(process.pid)
        cpu = psutil.Process(process.pid).cpu_times()
        return {"pss": pss, "rss": rss, "processes": count, "cpu": cpu.user + cpu.system}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


IDLE_AWS = (
    "import threading, time, lablib\n"
    "aws = lablib.start()\n"
    "[t.join(120) for t in threading.enumerate() if t.name == 'lablib-warm']\n"
    "print('READY', aws.endpoint, flush=True)\n"
    "time.sleep(3600)\n"
)

RUN_LAB = (
    "import json, resource, sys, time\n"
    "import nbformat\n"
    "from nbclient import NotebookClient\n"
    "nb = nbformat.read(sys.argv[1], as_version=4)\n"
    "after = 'import time; time.sleep(%s)' % sys.argv[3]\n"
    "nb.cells.append(nbformat.v4.new_code_cell(after))\n"
    "began = time.perf_counter()\n"
    "NotebookClient(nb, timeout=300, kernel_name='python3', allow_errors=True,\n"
    "               resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
    "wall = time.perf_counter() - began\n"
    "used = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "errors = sum(o['output_type'] == 'error' for c in nb.cells for o in c.get('outputs', []))\n"
    "print(json.dumps({'wall': wall, 'cpu': used.ru_utime + used.ru_stime, 'errors': errors}))\n"
)


def lab_peak(lab: Path, home: Path, idle: int) -> dict[str, float]:
    """Run ``lab`` in a kernel, then leave it idle for ``idle`` + 15 s (unused environments are
    stopped after ``idle`` s); sample the kernel tree's memory (peak, and last: after the
    idle wait); CPU of the reaped kernel tree."""
    environment = env(home)
    environment.update(LABLIB_WARM="0", LABLIB_ENV_IDLE_SECONDS=str(idle))
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_LAB, str(lab), str(lab.parent), str(idle + 15)],
        env=environment,
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak = {"pss": 0.0, "rss": 0.0, "processes": 0.0}
    last = {"pss": 0.0, "rss": 0.0, "processes": 0.0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                kernels = psutil.Process(process.pid).children()
            except psutil.NoSuchProcess:
                return
            for kernel in kernels:
                pss, rss, count = tree_memory(kernel.pid)
                peak["pss"] = max(peak["pss"], pss)
                peak["rss"] = max(peak["rss"], rss)
                peak["processes"] = max(peak["processes"], count)
                if count >= 2:  # the kernel and its zygote, not a kernel shutting down
                    last.update(pss=pss, rss=rss, processes=count)
            time.sleep(0.25)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, _ = process.communicate(timeout=600)
    done.set()
    sampler.join()
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return {**peak, **result, **{f"after_{k}": v for k, v in last.items()}}


def machine() -> str:
    load = os.getloadavg()
    memory = psutil.virtual_memory().total / 1024**3
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {memory:.1f} GB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}; "
        f"load average at start {load[0]:.1f}"
    )


def main() -> None:
    build = ROOT / "build"
    build.mkdir(exist_ok=True)
    print(f"Machine: {machine()}\n")
    with tempfile.TemporaryDirectory(prefix="hub-capacity-", dir=build) as folder:
        home = Path(folder)
        server = idle_process(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
             "--ServerApp.port=0", "--ServerApp.ip=127.0.0.1"],
            home,
            "is running at",
        )  # fmt: skip
        bare = idle_process(
            [sys.executable, "-c", "import time; print('READY', flush=True); time.sleep(3600)"],
            home,
            "READY",
        )
        aws = idle_process([sys.executable, "-c", IDLE_AWS], home, "READY")
        lean = idle_process([sys.executable, "-c", IDLE_AWS], home, "READY", LABLIB_WARM="0")
        lab = lab_peak(ROOT / "labs" / "01-lambda-invocation.ipynb", home, IDLE_AFTER)
    after = {k[len("after_") :]: v for k, v in lab.items() if k.startswith("after_")}
    rows = [
        ("Jupyter server (JupyterLab, no kernel), idle", server),
        ("bare Python process (reference)", bare),
        ("`lablib.start()` process (local AWS + zygote), idle, default", aws),
        ("`lablib.start()` process, idle, `LABLIB_WARM=0` (hub setting)", lean),
        ("lab 01 kernel tree (hub settings), peak during the run", lab),
        (
            f"same kernel, {IDLE_AFTER + 15} s after the lab "
            f"(`LABLIB_ENV_IDLE_SECONDS={IDLE_AFTER}`)",
            after,
        ),
    ]
    print("| what (one learner) | PSS MB | RSS MB | processes |")
    print("|---|---|---|---|")
    for label, values in rows:
        print(
            f"| {label} | {values['pss']:.0f} | {values['rss']:.0f} | {values['processes']:.0f} |"
        )
    print(
        f"\nidle CPU (8 s after start): default {aws['cpu']:.1f} CPU s since start, "
        f"LABLIB_WARM=0 {lean['cpu']:.1f} CPU s since start"
        f"\nlab 01: {lab['wall']:.0f} s wall incl. {IDLE_AFTER + 15} s idle wait, "
        f"{lab['cpu']:.1f} CPU s (kernel tree), "
        f"{lab['errors']:.0f} cell errors; load average at end {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
