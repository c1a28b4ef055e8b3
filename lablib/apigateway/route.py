"""Step 2: find the resource and method for a request path in the deployed resource tree.

Literal segments beat ``{param}``, which beats the greedy ``{proxy+}`` (last segment only);
a method falls back to ``ANY``. No match is AWS's 403 "Missing Authentication Token".

A ``Router`` belongs to one deployment's snapshot (frozen: a new deployment gets its own),
so it remembers its matches per (method, path), at most ``CACHED_MATCHES`` of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from lablib.apigateway.errors import GatewayError
from lablib.apigateway.model import ApiSnapshot, MethodSpec, ResourceSpec

LITERAL, PARAM, GREEDY = 0, 1, 2
CACHED_MATCHES = 1024
Match = tuple[ResourceSpec, MethodSpec, dict[str, str]]


@dataclass(frozen=True)
class _Pattern:
    resource: ResourceSpec
    parts: tuple[tuple[int, str], ...]


def _compile(resource: ResourceSpec) -> _Pattern:
    parts = []
    for segment in [s for s in resource.path.split("/") if s]:
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append((GREEDY, segment[1:-2]))
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append((PARAM, segment[1:-1]))
        else:
            parts.append((LITERAL, segment))
    return _Pattern(resource, tuple(parts))


class Router:
    def __init__(self, api: ApiSnapshot) -> None:
        self.patterns = [_compile(resource) for resource in api.resources]
        self._matches: dict[tuple[str, str], Match] = {}

    def match(self, method: str, path: str) -> Match:
        """Raise GatewayError (403) when nothing matches. The parameters are the caller's
        to change."""
        key = (method, path)
        found = self._matches.get(key)
        if found is None:
            found = self._match(method, path)
            if len(self._matches) >= CACHED_MATCHES:
                self._matches.clear()  # bounded; the next requests fill it again
            self._matches[key] = found
        return found[0], found[1], dict(found[2])

    def _match(self, method: str, path: str) -> Match:
        segments = [s for s in path.split("/") if s]
        best: tuple[tuple[int, ...], ResourceSpec, MethodSpec, dict[str, str]] | None = None
        for pattern in self.patterns:
            params = _match(pattern.parts, segments)
            if params is None:
                continue
            spec = pattern.resource.methods.get(method) or pattern.resource.methods.get("ANY")
            if spec is None:
                continue
            rank = tuple(kind for kind, _ in pattern.parts)
            if best is None or rank < best[0]:
                best = (rank, pattern.resource, spec, params)
        if best is None:
            raise GatewayError(
                "MISSING_AUTHENTICATION_TOKEN", f"no resource/method matches {method} {path}"
            )
        return best[1], best[2], best[3]


def _match(parts: tuple[tuple[int, str], ...], segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, (kind, name) in enumerate(parts):
        if kind == GREEDY:
            rest = segments[index:]
            if not rest:
                return None
            params[name] = "/".join(unquote(s) for s in rest)
            return params
        if index >= len(segments):
            return None
        segment = segments[index]
        if kind == LITERAL:
            if segment != name:
                return None
        else:
            params[name] = unquote(segment)
    return params if len(parts) == len(segments) else None
