"""Start-up: an optional dependency that costs about a second to import is loaded on first use.

jsonschema imports ``rfc3987_syntax`` (when installed, as Jupyter's ``jsonschema[format-nongpl]``
does) only to check the ``iri`` formats, and that import compiles 39 lark grammars: about 0.9 s
on a quiet machine, paid by the first API Gateway request of every local AWS (moto's API
Gateway models import openapi-spec-validator, which imports jsonschema).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("rfc3987_syntax")  # installed with JupyterLab's dependencies


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_lablib_and_moto_apigateway_does_not_compile_the_grammars() -> None:
    out = _run(
        """
        import sys
        import lablib
        import moto.apigateway.models, jsonschema
        print("rfc3987_syntax.syntax_helpers" in sys.modules)
        """
    )
    assert out == "False"


def test_iri_formats_still_check_on_first_use() -> None:
    out = _run(
        """
        import lablib, jsonschema
        checker = jsonschema.FormatChecker()
        print(checker.conforms("https://example.com/caf\\u00e9", "iri"),
              checker.conforms("no scheme here", "iri"),
              checker.conforms("/relative/ok", "iri-reference"))
        import rfc3987_syntax
        print(rfc3987_syntax.is_valid_syntax("iri", "urn:isbn:0451450523"),
              bool(rfc3987_syntax.RFC3987_SYNTAX_TERMS))
        """
    )
    assert out.splitlines() == ["True False True", "True True"]
