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

import airspeed


class TemplateProblem(Exception):
    """A template that does not parse or fails while rendering (message says where)."""


class VtlMap(dict[str, Any]):
    """A dict that renders like a Java map and offers Velocity's map methods."""

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={_java_str(v)}" for k, v in self.items()) + "}"

    def keySet(self) -> list[str]:  # noqa: N802 (Velocity method name)
        return list(self.keys())

    def entrySet(self) -> list[dict[str, Any]]:  # noqa: N802
        return [{"key": k, "value": v} for k, v in self.items()]

    def containsKey(self, key: str) -> bool:  # noqa: N802
        return key in self

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:  # noqa: N802
        return not self

    def put(self, key: str, value: Any) -> Any:
        previous = dict.get(self, key)
        self[key] = value
        return previous


class VtlList(list[Any]):
    def __str__(self) -> str:
        return "[" + ", ".join(_java_str(v) for v in self) + "]"

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:  # noqa: N802
        return not self

    def contains(self, value: Any) -> bool:
        return value in self


def _java_str(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
                try:
                    self._parsed = json.loads(text)
                except ValueError:
                    self._parsed = self.body
        return self._parsed

    def json(self, path: str = "$") -> str:
        value = json_path(self._document(), path)
        return "null" if value is _MISSING else json.dumps(value, separators=(",", ":"))

    def path(self, path: str = "$") -> Any:
        value = json_path(self._document(), path)
        return "" if value is _MISSING else wrap(value)

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


_compiled: OrderedDict[str, airspeed.Template] = OrderedDict()
_lock = threading.Lock()


def compile_template(source: str) -> airspeed.Template:
    """Parse once and cache (a bounded LRU); raise TemplateProblem on a syntax error."""
    with _lock:
        template = _compiled.get(source)
        if template is not None:
            _compiled.move_to_end(source)
            return template
    template = airspeed.Template(source)
    try:
        template.ensure_compiled()
    except airspeed.TemplateSyntaxError as exc:
        raise TemplateProblem(f"Velocity syntax error: {exc}") from None
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
    """Render a mapping template. ``context['responseOverride']`` may be changed by it."""
    template = compile_template(source)
    namespace = {
        "input": VtlInput(body, params),
        "util": VtlUtil(),
        "context": wrap(context),
        "stageVariables": VtlMap(stage_variables),
    }
    try:
        result: str = template.merge(namespace)
    except TemplateProblem:
        raise
    except Exception as exc:  # the engine wraps user errors in many types
        raise TemplateProblem(f"Velocity rendering error: {exc}") from None
    overrides = namespace["context"].get("responseOverride")
    if isinstance(overrides, dict):
        context["responseOverride"] = overrides
    return result
