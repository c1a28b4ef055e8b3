"""Optional third-party imports that are slow and rarely used, loaded on first use instead.

``jsonschema`` imports ``rfc3987_syntax`` when it is installed (Jupyter's
``jsonschema[format-nongpl]`` installs it) only to check the ``iri`` and ``iri-reference``
formats; importing it compiles 39 lark grammars, about 0.9 s on a quiet 2-core machine. moto's
API Gateway models import jsonschema (through openapi-spec-validator), so every local AWS paid
that second on its first API Gateway request, and every test server and lab paid it again.

:func:`defer_rfc3987_syntax` puts a stand-in module in ``sys.modules`` that imports the real
one the first time anything of it is used, so the formats still check exactly as before.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

_NAME = "rfc3987_syntax"
_lock = threading.Lock()


def _load_real(stub: types.ModuleType) -> types.ModuleType:
    with _lock:
        module = sys.modules.get(_NAME)
        if module is stub or module is None:
            sys.modules.pop(_NAME, None)
            try:
                module = importlib.import_module(_NAME)
            except BaseException:
                sys.modules[_NAME] = stub
                raise
        return module


def defer_rfc3987_syntax() -> None:
    """Make ``import rfc3987_syntax`` cheap until the module is really used (idempotent)."""
    if _NAME in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(_NAME)
    except (ImportError, ValueError):
        return
    if spec is None:
        return  # not installed: jsonschema skips the iri formats, as before
    stub = types.ModuleType(_NAME, "rfc3987_syntax, imported on first use (lablib.lazy_deps)")

    def is_valid_syntax(rule: str, value: str) -> bool:
        real: bool = _load_real(stub).is_valid_syntax(rule, value)
        return real

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):  # import machinery probes: answer without loading
            raise AttributeError(name)
        return getattr(_load_real(stub), name)

    stub.__path__ = list(spec.submodule_search_locations or [])  # submodules still import
    stub.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    stub.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[_NAME] = stub
