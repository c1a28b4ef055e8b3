"""``Environment.alive``: asked before every warm invoke, so it must be right and cheap.

It polls a pidfd where the kernel has them and reads /proc otherwise; both are tied to the
process itself, so a pid the kernel hands to another process never answers for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lablib.runtime.environment import Environment
from lablib.runtime.model import FunctionConfig
from lablib.runtime.runtime_api import RuntimeAPIChannel
from tests.support import wait_until


def _env(tmp_path: Path, pid: int) -> Environment:
    channel = RuntimeAPIChannel()
    channel.close()
    fn = FunctionConfig.__new__(FunctionConfig)  # alive() reads only the process
    return Environment("e1", fn, channel, tmp_path / "out.log", "s", tmp_path, pid=pid)


@pytest.mark.parametrize("pidfds", [True, False])
def test_alive_until_the_process_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pidfds: bool
) -> None:
    if not pidfds:
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    env = _env(tmp_path, proc.pid)
    try:
        assert env.alive()
        assert env.alive()  # asked again: the same answer
        proc.kill()
        assert wait_until(lambda: not env.alive(), 30)  # a zombie counts as ended
        proc.wait()
        assert not env.alive()  # reaped: still ended
    finally:
        proc.kill()
        proc.wait()
        env.close_files()


def test_a_dead_environment_is_not_alive(tmp_path: Path) -> None:
    env = _env(tmp_path, os.getpid())
    assert env.alive()
    env.dead = True
    assert not env.alive()
    env.close_files()
