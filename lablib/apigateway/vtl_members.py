"""What a mapping template may reach: map keys (data), the Java String/List/Map methods
templates use, and the members that ``expose`` allows on ``$input``/``$util``; nothing is
resolved with ``getattr`` on anything else (see vtl_sandbox)."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from lablib.apigateway.vtl_limits import MAX_OUTPUT, SandboxViolation, charge

_INT_LIMIT = 2**63


def sized(text: str) -> str:
    if len(text) > MAX_OUTPUT:
        raise SandboxViolation(f"a string grew beyond {MAX_OUTPUT:,} characters")
    charge(len(text))
    return text


_MEMBERS: dict[type, frozenset[str]] = {}


def expose(cls: type, members: set[str]) -> None:
    """Let templates reach ``members`` (attributes or methods) of instances of ``cls``."""
    if any(name.startswith("_") for name in members):
        raise ValueError("members starting with '_' are never exposed")
    _MEMBERS[cls] = frozenset(members)


def java(value: Any) -> str:
    """A value as Java's toString() shows it; lists and maps are built with a size check, so
    a list holding one big string 1,000 times cannot allocate gigabytes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        parts: list[str] = []
        _java_parts(value, parts, [0], 0)
        return "".join(parts)
    return str(value)


def _java_parts(value: Any, out: list[str], size: list[int], depth: int) -> None:
    def emit(text: str) -> None:
        size[0] += len(text)
        if size[0] > MAX_OUTPUT:
            raise SandboxViolation(f"a list or map's text grew beyond {MAX_OUTPUT:,} characters")
        out.append(text)

    if depth > 100:
        raise SandboxViolation("a list or map nests more than 100 levels (or contains itself)")
    if isinstance(value, dict):
        emit("{")
        for i, (key, item) in enumerate(value.items()):
            emit(("" if i == 0 else ", ") + java(key) + "=")
            _java_parts(item, out, size, depth + 1)
        emit("}")
    elif isinstance(value, list | tuple):
        emit("[")
        for i, item in enumerate(value):
            if i:
                emit(", ")
            _java_parts(item, out, size, depth + 1)
        emit("]")
    else:
        emit(java(value))


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def overflow_checked(value: Any) -> Any:
    if isinstance(value, int) and not -_INT_LIMIT <= value < _INT_LIMIT:
        raise SandboxViolation("integer overflow: results must fit in 64 bits")
    if isinstance(value, float) and not math.isfinite(value):
        raise SandboxViolation("arithmetic result is not a finite number")
    return value


_RE2: list[Any] = []


def _re2() -> tuple[Any, Any]:
    """google-re2 and its options, imported on first use (a template without regular
    expressions does not need it)."""
    if not _RE2:
        try:
            import re2
        except ImportError:  # an environment installed before it became a dependency
            raise SandboxViolation(
                "regular expressions need the google-re2 package: reinstall lablib "
                "(pip install -e .)"
            ) from None
        options = re2.Options()
        options.log_errors = False
        options.max_mem = 8 << 20
        _RE2[:] = [re2, options]
    return _RE2[0], _RE2[1]


def _pattern(source: Any) -> Any:
    """Java regular expressions run on RE2: linear time, so a pattern like ``(a|aa)+$``
    cannot hang the server; back-references and look-arounds are refused."""
    re2, options = _re2()
    try:
        return re2.compile(str(source), options=options)
    except re2.error as exc:
        raise SandboxViolation(
            f"regular expression {source!r} is not supported here ({exc}); mapping "
            "templates run regular expressions without back-references or look-arounds"
        ) from None


def _java_replacement(repl: Any) -> Callable[[Any], str]:
    """Java's replacement syntax ($1, \\$) as a function of the match."""
    parts: list[str | int] = []
    text, i = str(repl), 0
    literal: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            literal.append(text[i + 1])
            i += 2
        elif ch == "$" and i + 1 < len(text) and text[i + 1].isdigit():
            parts.append("".join(literal))
            literal = []
            parts.append(int(text[i + 1]))
            i += 2
        else:
            literal.append(ch)
            i += 1
    parts.append("".join(literal))

    def expand(match: Any) -> str:
        out = "".join(p if isinstance(p, str) else (match.group(p) or "") for p in parts)
        charge(len(out))  # bounds the result before it is built
        return out

    return expand


def _regex_sub(text: str, pattern: Any, repl: Any, count: int = 0) -> str:
    compiled = _pattern(pattern)
    replacement = _java_replacement(repl)
    try:
        result: str = compiled.sub(replacement, text, count=count)
    except IndexError as exc:
        raise SandboxViolation(f"replacement {repl!r} failed: {exc}") from None
    return sized(result)


def _regex_split(text: str, pattern: Any, limit: int = 0) -> Any:
    """Java's String.split: at most ``limit`` parts; with 0, trailing empty parts go."""
    parts: list[str] = []
    start = 0
    for match in _pattern(pattern).finditer(text):
        if limit > 0 and len(parts) == limit - 1:
            break
        if match.end() == 0:
            continue  # a zero-width match at the start gives no leading empty part
        parts.append(text[start : match.start()])
        start = match.end()
        charge(1)
    parts.append(text[start:])
    if limit == 0:
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
    return wrap_list(parts)


def _regex_matches(text: str, pattern: Any) -> bool:
    return _pattern(pattern).fullmatch(text) is not None


def _index_of(text: str, sub: Any, start: int = 0) -> int:
    return text.find(str(sub), start)


def _equals_ignore_case(text: str, other: Any) -> bool:
    return isinstance(other, str) and text.lower() == other.lower()


def _concat(text: str, other: Any) -> str:
    return sized(text + str(other))


def _replace(text: str, old: Any, new: Any) -> str:
    return sized(text.replace(str(old), str(new)))


STRING_METHODS: dict[str, Callable[..., Any]] = {
    "length": len,
    "isEmpty": lambda s: not s,
    "charAt": lambda s, i: s[i],
    "concat": _concat,
    "contains": lambda s, v: str(v) in s,
    "startsWith": lambda s, v: s.startswith(str(v)),
    "endsWith": lambda s, v: s.endswith(str(v)),
    "equals": lambda s, v: s == v,
    "equalsIgnoreCase": _equals_ignore_case,
    "indexOf": _index_of,
    "lastIndexOf": lambda s, v: s.rfind(str(v)),
    "substring": lambda s, start, end=None: s[start:end],
    "toLowerCase": str.lower,
    "toUpperCase": str.upper,
    "trim": str.strip,
    "toString": str,
    "replace": _replace,
    "replaceAll": _regex_sub,
    "replaceFirst": lambda s, p, r: _regex_sub(s, p, r, 1),
    "split": _regex_split,
    "matches": _regex_matches,
}


def _list_add(items: list[Any], value: Any) -> bool:
    charge(1)
    items.append(value)
    return True


def _list_add_all(items: list[Any], values: Any) -> bool:
    if not isinstance(values, list | tuple):
        raise SandboxViolation("addAll needs a list")
    charge(len(values))
    items.extend(values)
    return True


def _list_set(items: list[Any], index: int, value: Any) -> Any:
    previous = items[index]
    items[index] = value
    return previous


def _list_index(items: list[Any], value: Any) -> int:
    return items.index(value) if value in items else -1


LIST_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda items: not items,
    "get": lambda items, i: items[i],
    "contains": lambda items, v: v in items,
    "indexOf": _list_index,
    "add": _list_add,
    "addAll": _list_add_all,
    "set": _list_set,
    "remove": lambda items, i: items.pop(i),
    "clear": lambda items: items.clear(),
    "toString": java,
}


def _map_put(mapping: dict[str, Any], key: Any, value: Any) -> Any:
    charge(1)
    previous = mapping.get(key)
    mapping[key] = value
    return previous


def _map_put_all(mapping: dict[str, Any], values: Any) -> None:
    if not isinstance(values, dict):
        raise SandboxViolation("putAll needs a map")
    charge(len(values))
    mapping.update(values)


def _entry(key: Any, value: Any) -> Any:
    from lablib.apigateway.vtl import VtlMap

    return VtlMap(key=key, value=value)


def wrap_list(values: Any) -> Any:
    from lablib.apigateway.vtl import VtlList

    return VtlList(values)


MAP_METHODS: dict[str, Callable[..., Any]] = {
    "get": lambda m, key: m.get(key),
    "put": _map_put,
    "putAll": _map_put_all,
    "containsKey": lambda m, key: key in m,
    "containsValue": lambda m, value: value in m.values(),
    "keySet": lambda m: wrap_list(m.keys()),
    "values": lambda m: wrap_list(m.values()),
    "entrySet": lambda m: wrap_list(_entry(k, v) for k, v in m.items()),
    "size": len,
    "isEmpty": lambda m: not m,
    "remove": lambda m, key: m.pop(key, None),
    "toString": java,
}

NUMBER_METHODS: dict[str, Callable[..., Any]] = {
    "toString": java,
    "equals": lambda n, v: n == v,
    "intValue": int,
    "longValue": int,
    "doubleValue": float,
    "floatValue": float,
}

BOOLEAN_METHODS: dict[str, Callable[..., Any]] = {"toString": java, "equals": operator.eq}


def _methods_for(obj: Any) -> dict[str, Callable[..., Any]] | None:
    if isinstance(obj, str):
        return STRING_METHODS
    if isinstance(obj, bool):
        return BOOLEAN_METHODS
    if isinstance(obj, int | float):
        return NUMBER_METHODS
    if isinstance(obj, list | tuple):
        return LIST_METHODS
    if isinstance(obj, dict):
        return MAP_METHODS
    return None


def resolve(obj: Any, name: str, calling: bool) -> Any:
    """What ``$obj.name`` (``calling`` false) or ``$obj.name(`` means: a value, a callable
    from the allow-lists, or None (unresolved, rendered as nothing, as on AWS)."""
    if name.startswith("__") or (name.startswith("_") and not isinstance(obj, dict)):
        raise SandboxViolation(
            f"'{name}' is not accessible: mapping templates cannot reach members whose "
            "names start with '_'"
        )
    if isinstance(obj, dict) and not calling and name in obj:
        return obj[name]
    members = _MEMBERS.get(type(obj))
    if members is not None:
        if name not in members:
            return None
        value = getattr(obj, name)
        return value if calling == callable(value) else None
    methods = _methods_for(obj)
    if methods is None:
        return None
    if calling:
        method = methods.get(name)
        return None if method is None else (lambda *args: method(obj, *args))
    for getter in ("get" + name[:1].upper() + name[1:], "is" + name[:1].upper() + name[1:]):
        method = methods.get(getter)
        if method is not None:
            return method(obj)  # a Java bean property: $list.empty is $list.isEmpty()
    return None


def safe_index(obj: Any, index: Any) -> Any:
    if isinstance(obj, dict):
        return obj.get(index)
    if isinstance(obj, list | tuple | str):
        if not isinstance(index, int) or isinstance(index, bool):
            raise SandboxViolation(f"expected an integer index, got {java(index)}")
        return obj[index] if -len(obj) <= index < len(obj) else None
    return None
