# JupyterHub on one server for a lablib class:
#   jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
#
# Each learner gets their own JupyterLab (jupyterhub-singleuser) started by a local process
# spawner. Every notebook kernel runs its own local AWS in-process (`lablib.start()`), so
# nothing AWS-side is shared: each learner has their own
#   - LABLIB_HOME (progress, exercise results, local AWS scratch) under the learner's folder,
#   - ports: JupyterHub picks a free port for each server and the local AWS binds a free
#     port on 127.0.0.1 per kernel,
#   - /tmp: a private mount namespace binds the learner's own tmp folder on /tmp (when the
#     hub runs as root; otherwise TMPDIR alone points there),
#   - workspace: learner copies of the labs (`lablib lab` makes the same).
#
# Two ways to map learners to Unix users (LABLIB_HUB_USERS):
#   system  (default) each learner is a Unix user (LocalProcessSpawner; the hub runs as root
#           and creates missing users with `create_system_users`). Home ~/, LABLIB_HOME
#           ~/.lablib. This is the mode for a real class.
#   shared  every learner runs as the hub's own user, each in LABLIB_HUB_ROOT/<name>/. No
#           system users are needed, but learners are not protected from each other's code
#           (same uid): for a trusted group, a demo, or the test (tests/hub/). Terminals are
#           off in this mode.
# The authenticator is left to the site (PAM by default in system mode; see README.md).
# tests/hub/ loads this file and adds only the test's ports, the dummy authenticator and
# an API token on top.
import ctypes
import os
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner
from traitlets import default

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - provided by traitlets

MODE = os.environ.get("LABLIB_HUB_USERS", "system")
if MODE not in ("system", "shared"):
    raise SystemExit(f"LABLIB_HUB_USERS must be 'system' or 'shared', not {MODE!r}")
# The hub's own files (database, cookie secret) and, in shared mode, the learners' folders.
HUB_ROOT = Path(os.environ.get("LABLIB_HUB_ROOT", "/srv/lablib-hub")).resolve()
# The labs the learners' workspaces are made from (default: the installed lablib's checkout).
LABS = os.environ.get("LABLIB_HUB_LABS", "")

_LIBC = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNS, _MS_REC, _MS_PRIVATE, _MS_BIND = 0x00020000, 0x4000, 1 << 18, 4096


def private_tmp(tmp_dir: str, keep: list[str]) -> None:
    """In the spawned child, before exec: a mount namespace of its own with ``tmp_dir`` on
    /tmp. Folders under /tmp that the server needs (a checkout or venv living there) stay
    visible at their own paths. Root only; elsewhere TMPDIR alone points at ``tmp_dir``."""
    if os.geteuid() != 0 or _LIBC.unshare(_CLONE_NEWNS) != 0:
        return
    if _LIBC.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return
    for path in keep:
        real = os.path.realpath(path)
        if real.startswith("/tmp/"):
            top = "/tmp/" + real[len("/tmp/") :].split("/", 1)[0]
            inside = os.path.join(tmp_dir, top[len("/tmp/") :])
            os.makedirs(inside, exist_ok=True)
            _LIBC.mount(top.encode(), inside.encode(), None, _MS_BIND | _MS_REC, None)
    _LIBC.mount(tmp_dir.encode(), b"/tmp", None, _MS_BIND | _MS_REC, None)


class LablibMixin:
    """What both modes share: the learner's LABLIB_HOME, tmp folder and lab workspace."""

    def learner_home(self) -> Path:
        raise NotImplementedError

    def lablib_env(self, env: dict[str, str]) -> dict[str, str]:
        home = self.learner_home()
        env["LABLIB_HOME"] = str(home / ".lablib")
        env["TMPDIR"] = str(home / "tmp")
        return env

    def prepare_learner(self) -> None:
        """The learner's folders and workspace (learner copies of the labs, made once)."""
        from lablib.notebook.commands import find_labs
        from lablib.notebook.workspace import prepare

        home = self.learner_home()
        for folder in (home, home / ".lablib", home / "tmp"):
            folder.mkdir(parents=True, exist_ok=True)
        labs = Path(LABS) if LABS else find_labs(Path(sys.prefix))
        prepare(labs, home / "workspace")

    def wrap_preexec(self, preexec):  # type: ignore[no-untyped-def]
        home = self.learner_home()
        keep = [sys.prefix, str(home), str(HUB_ROOT), os.path.dirname(os.path.abspath(__file__))]
        keep += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]

        def child() -> None:
            private_tmp(str(home / "tmp"), keep)
            preexec()

        return child


class SharedUidSpawner(LablibMixin, SimpleLocalProcessSpawner):
    """Every learner as the hub's user, each in LABLIB_HUB_ROOT/<name>/."""

    def learner_home(self) -> Path:
        return HUB_ROOT / "learners" / self.user.name

    @default("home_dir")
    def _learner_home_dir(self) -> str:
        return str(self.learner_home())

    def user_env(self, env):  # type: ignore[no-untyped-def]
        return self.lablib_env(super().user_env(env))

    def make_preexec_fn(self, name):  # type: ignore[no-untyped-def]
        return self.wrap_preexec(super().make_preexec_fn(name))

    async def start(self):  # type: ignore[no-untyped-def]
        self.prepare_learner()
        self.notebook_dir = str(self.learner_home() / "workspace")
        return await super().start()


class SystemUserSpawner(LablibMixin, LocalProcessSpawner):
    """Each learner a Unix user of this server, in their own home folder."""

    def learner_home(self) -> Path:
        import pwd

        return Path(pwd.getpwnam(self.user.name).pw_dir)

    def user_env(self, env):  # type: ignore[no-untyped-def]
        return self.lablib_env(super().user_env(env))

    def make_preexec_fn(self, name):  # type: ignore[no-untyped-def]
        # Mounts first (still root), then LocalProcessSpawner's own switch to the learner.
        return self.wrap_preexec(super().make_preexec_fn(name))

    async def start(self):  # type: ignore[no-untyped-def]
        import pwd

        self.prepare_learner()
        entry = pwd.getpwnam(self.user.name)
        for path in [self.learner_home() / p for p in (".lablib", "tmp", "workspace")]:
            for item in [path, *path.rglob("*")]:
                os.chown(item, entry.pw_uid, entry.pw_gid)
        self.notebook_dir = str(self.learner_home() / "workspace")
        return await super().start()


c.JupyterHub.ip = os.environ.get("LABLIB_HUB_IP", "127.0.0.1")  # put TLS in front for a class
c.JupyterHub.port = int(os.environ.get("LABLIB_HUB_PORT", "8000"))
c.JupyterHub.db_url = f"sqlite:///{HUB_ROOT / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_ROOT / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.spawner_class = SharedUidSpawner if MODE == "shared" else SystemUserSpawner
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]  # this venv's lablib
c.Spawner.default_url = "/lab"
c.Spawner.env_keep = [
    "PATH",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "LANG",
    "LC_ALL",
    "LABLIB_RUNTIMES_DIR",  # the Python runtimes lablib made once, shared read-only
    "LABLIB_CLOCK_SCALE",
]
# Per learner, what a class on one server does not need (benchmarks/hub_capacity.py):
# no background import of the API Gateway models at each kernel start (~33 MB and seconds of
# CPU per kernel; lab 03 loads them at its first API Gateway call), and unused warm Lambda
# environments stopped after 2 minutes instead of 10 (a lab's calls in a row stay warm).
c.Spawner.environment = {"LABLIB_WARM": "0", "LABLIB_ENV_IDLE_SECONDS": "120"}
c.Spawner.http_timeout = 120  # a loaded server takes a while to start 30 JupyterLabs
c.Spawner.start_timeout = 120
# A closed notebook's kernel stops its local AWS at exit (workers, run state); give it time
# on a loaded server before the kill (a killed one's run state is removed at its next start).
c.Spawner.args = ["--KernelManager.shutdown_wait_time=30"]
if MODE == "shared":
    c.Spawner.args.append("--ServerApp.terminals_enabled=False")
    if os.geteuid() == 0:
        c.Spawner.args.append("--allow-root")
else:
    c.LocalAuthenticator.create_system_users = True
HUB_ROOT.mkdir(parents=True, exist_ok=True)
