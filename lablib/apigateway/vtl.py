"""Velocity (VTL) mapping templates, rendered by a real Velocity engine (airspeed-ext).

Provides API Gateway's variables: ``$input`` (``body``, ``json()``, ``path()``,
``params()``), ``$util`` (``escapeJavaScript``, ``urlEncode``, ``urlDecode``,
``base64Encode``, ``base64Decode``, ``parseJson``), ``$context`` and ``$stageVariables``.
Maps and lists render the way Java does (``{name=Ann, tier=2}``, ``[1, 2]``), which is why
``$input.path('$.obj')`` inside JSON is a classic bug and ``$input.json`` is the fix.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from lablib.apigateway import vtl_members, vtl_sandbox
from lablib.apigateway.vtl_sandbox import TemplateProblem as TemplateProblem


class VtlMap(dict[str, Any]):
    """A dict that renders like a Java map (its methods are in vtl_sandbox.MAP_METHODS)."""

    def __str__(self) -> str:
        return vtl_members.java(self)


class VtlList(list[Any]):
    """A list that renders like a Java list (methods: vtl_sandbox.LIST_METHODS)."""

    def __str__(self) -> str:
        return vtl_members.java(self)


def wrap(value: Any) -> Any:
    """Python JSON values -> values that render and behave like Velocity's."""
    if isinstance(value, dict):
        return VtlMap((str(k), wrap(v)) for k, v in value.items())
    if isinstance(value, list):
        return VtlList(wrap(v) for v in value)
    return value


# -- JSONPath (the subset API Gateway templates use) ---------------------------------------------
_TOKEN = re.compile(
    r"\.\.|\.([A-Za-z_$][\w$-]*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[\s*(-?\d+)\s*\]|\[\s*\*\s*\]|\.\*"
)
_MISSING = object()


def json_path(document: Any, path: str) -> Any:
    """Evaluate ``$``, ``$.a.b``, ``$['a']``, ``$.a[0]``, ``$.a[*].b``. Missing -> _MISSING."""
    path = (path or "$").strip()
    if not path.startswith("$"):
        raise TemplateProblem(f"JSONPath {path!r} must start with '$'")
    rest = path[1:]
    values: list[Any] = [document]
    many = False
    position = 0
    while position < len(rest):
        found = _TOKEN.match(rest, position)
        if found is None:
            raise TemplateProblem(f"unsupported JSONPath {path!r} near {rest[position:]!r}")
        position = found.end()
        token = found.group(0)
        name = found.group(1) or found.group(2) or found.group(3)
        index = found.group(4)
        nxt: list[Any] = []
        if token == "..":
            raise TemplateProblem(f"deep scan '..' is not supported in {path!r}")
        if name is not None:
            nxt = [v[name] for v in values if isinstance(v, dict) and name in v]
        elif index is not None:
            i = int(index)
            nxt = [v[i] for v in values if isinstance(v, list) and -len(v) <= i < len(v)]
        else:  # wildcard
            many = True
            for v in values:
                if isinstance(v, list):
                    nxt.extend(v)
                elif isinstance(v, dict):
                    nxt.extend(v.values())
        values = nxt
    if many:
        return values
    return values[0] if values else _MISSING


class VtlInput:
    """``$input``."""

    def __init__(self, body: bytes, params: dict[str, dict[str, str]]) -> None:
        self.body = body.decode("utf-8", errors="replace")
        self._params = params
        self._parsed: Any = _MISSING

    def _document(self) -> Any:
        if self._parsed is _MISSING:
            text = self.body.strip()
            if not text:
                self._parsed = {}
            else:
                try:  # one live document: #set($root.x = ...) shows in $input.json('$')
                    self._parsed = wrap(json.loads(text))
                except ValueError:
                    self._parsed = self.body
        return self._parsed

    def json(self, path: str = "$") -> str:
        value = json_path(self._document(), path)
        return "null" if value is _MISSING else json.dumps(value, separators=(",", ":"))

    def path(self, path: str = "$") -> Any:
        value = json_path(self._document(), path)
        return "" if value is _MISSING else value

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return VtlMap((kind, VtlMap(values)) for kind, values in self._params.items())
        for kind in ("path", "querystring", "header"):
            values = self._params.get(kind, {})
            if name in values:
                return values[name]
            if kind == "header":
                for key, value in values.items():
                    if key.lower() == name.lower():
                        return value
        return ""


def escape_javascript(text: Any) -> str:
    """Like Java's StringEscapeUtils.escapeJavaScript, as API Gateway uses it (note: it
    escapes single quotes as \\', which is not valid inside JSON)."""
    out = []
    for ch in "" if text is None else str(text):
        code = ord(ch)
        if ch in "\"'\\/":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif code < 32 or code > 127:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return "".join(out)


class VtlUtil:
    """``$util``."""

    def escapeJavaScript(self, text: Any) -> str:  # noqa: N802
        return escape_javascript(text)

    def urlEncode(self, text: Any) -> str:  # noqa: N802
        return quote_plus("" if text is None else str(text))

    def urlDecode(self, text: Any) -> str:  # noqa: N802
        return unquote_plus("" if text is None else str(text))

    def base64Encode(self, text: Any) -> str:  # noqa: N802
        return base64.b64encode(str(text).encode()).decode()

    def base64Decode(self, text: Any) -> str:  # noqa: N802
        return base64.b64decode(str(text)).decode("utf-8", errors="replace")

    def parseJson(self, text: Any) -> Any:  # noqa: N802
        try:
            return wrap(json.loads(str(text)))
        except ValueError as exc:
            raise TemplateProblem(f"$util.parseJson could not parse its argument: {exc}") from None


vtl_members.expose(VtlInput, {"body", "json", "path", "params"})
vtl_members.expose(
    VtlUtil,
    {"escapeJavaScript", "urlEncode", "urlDecode", "base64Encode", "base64Decode", "parseJson"},
)

_compiled: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


def compile_template(source: str) -> Any:
    """Parse once and cache (a bounded LRU); raise TemplateProblem on a syntax error or a
    directive the sandbox refuses (see vtl_sandbox)."""
    with _lock:
        template = _compiled.get(source)
        if template is not None:
            _compiled.move_to_end(source)
            return template
    template = vtl_sandbox.compile_source(source)
    with _lock:
        _compiled[source] = template
        if len(_compiled) > 256:
            _compiled.popitem(last=False)
    return template


def render(
    source: str,
    body: bytes,
    params: dict[str, dict[str, str]],
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> str:
    """Render a mapping template in the sandbox. ``context['responseOverride']`` may be
    changed by it."""
    template = compile_template(source)
    namespace = {
        "input": VtlInput(body, params),
        "util": VtlUtil(),
        "context": wrap(context),
        "stageVariables": VtlMap(stage_variables),
    }
    result = vtl_sandbox.merge(template, namespace)
    overrides = namespace["context"].get("responseOverride")
    if isinstance(overrides, dict):
        context["responseOverride"] = overrides
    return result
