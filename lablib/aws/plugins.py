"""Data-plane plugins (``server.PLUGINS``): each is loaded once, just before the first
request to one of its services (by SigV4 signing name) or paths."""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lablib.aws.server import LocalAWS

PluginEntry = tuple[str, frozenset[str], tuple[str, ...]]


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

    def __init__(self, local: LocalAWS, plugins: tuple[PluginEntry | str, ...]) -> None:
        self.local = local
        self.loaded: list[Any] = []
        # A bare module name (e.g. set by a test) is loaded at once; tuples load lazily.
        eager: list[PluginEntry] = [(e, frozenset(), ()) for e in plugins if isinstance(e, str)]
        self._pending: list[PluginEntry] = [e for e in plugins if not isinstance(e, str)]
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
