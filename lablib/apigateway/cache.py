"""Step 5: the stage cache. On when the stage has a cache cluster and the method settings
say ``caching/enabled`` (stage-wide ``*/*`` settings cache GET only, as on AWS). Key: stage
(or canary), method, resource path and the integration's ``cacheKeyParameters``; TTL from
``caching/ttlInSeconds`` (default 300 s, 0 = off), in real seconds. Only 2xx responses are
stored. ``Cache-Control: max-age=0`` invalidates the entry when the stage does not require
authorization for it."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from lablib.apigateway.context import Call, Response
from lablib.apigateway.throttle import settings_for

MAX_ENTRIES = 5_000


class StageCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, Response]] = OrderedDict()

    def flush(self, api_id: str, stage: str) -> int:
        prefix = f"{api_id}/{stage}/"
        with self._lock:
            doomed = [k for k in self._entries if k.startswith(prefix)]
            for key in doomed:
                del self._entries[key]
        return len(doomed)

    def key_for(self, call: Call) -> str | None:
        """The cache key, or None when this method is not cached (sets call.cache_ttl_s)."""
        if call.stage is None or not call.stage.cache_enabled or call.method is None:
            return None
        found = settings_for(call)
        if found is None:
            return None
        scope, setting = found
        if not setting.get("cachingEnabled"):
            return None
        if scope == "*/*" and call.request.method != "GET":
            return None
        ttl = int(setting.get("cacheTtlInSeconds", 300))
        if ttl <= 0:
            return None
        call.cache_ttl_s = min(ttl, 3600)
        parts = []
        integration = call.method.integration
        for name in integration.cache_key_parameters if integration else ():
            kind, _, param = name.removeprefix("method.request.").partition(".")
            if kind == "path":
                value = call.path_params.get(param)
            elif kind == "querystring":
                value = call.request.query_map().get(param)
            elif kind == "header":
                value = call.request.header(param)
            else:
                value = None
            parts.append(f"{name}={value}")
        bucket = (
            "canary"
            if call.canary and not (call.stage.canary and call.stage.canary.use_stage_cache)
            else "stage"
        )
        return (
            f"{call.request.api_id}/{call.request.stage}/{bucket}/{call.request.method}"
            f"{call.resource_path}?{'&'.join(parts)}"
        )

    def get(self, call: Call) -> Response | None:
        key = self.key_for(call)
        call.cache_key = key
        if key is None:
            return None
        control = (call.request.header("Cache-Control") or "").replace(" ", "").lower()
        found = settings_for(call)
        may_invalidate = found is not None and not found[1].get(
            "requireAuthorizationForCacheControl", True
        )
        now = time.monotonic()
        with self._lock:
            if "max-age=0" in control and may_invalidate:
                self._entries.pop(key, None)
                call.info("Cache entry invalidated by Cache-Control: max-age=0")
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(key)
                call.cache_hit = True
                cached = entry[1]
                return Response(cached.status, list(cached.headers), cached.body)
        call.cache_hit = False
        return None

    def put(self, call: Call, response: Response) -> None:
        if call.cache_key is None or not 200 <= response.status < 300:
            return
        with self._lock:
            self._entries[call.cache_key] = (
                time.monotonic() + call.cache_ttl_s,
                Response(response.status, list(response.headers), response.body),
            )
            self._entries.move_to_end(call.cache_key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
