"""moto internals for Lambda versions and aliases: the validation AWS does that moto skips.

Patched into moto's ``LambdaStorage`` (idempotent, via ``install_patches()``):

- an alias points at ``$LATEST`` or a version number, never at another alias;
- ``RoutingConfig.AdditionalVersionWeights`` holds at most one extra version, each weight in
  0.0-1.0, never on an alias to ``$LATEST``, never the alias's own version, and only versions
  that exist;
- a version an alias still points at (primary or weighted) cannot be deleted;
- version numbers are never handed out again after a delete;
- publishing when code and configuration equal the newest version returns that version.

Messages follow AWS's wording where it is known, and say what to change.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from moto.awslambda.exceptions import (
    InvalidParameterValueException,
    LambdaClientError,
    UnknownFunctionException,
    ValidationException,
)
from moto.awslambda.models import EventSourceMapping, LambdaBackend, LambdaStorage

from lablib.aws.moto_bridge.once import once

_VERSION = re.compile(r"^(\$LATEST|[0-9]+)$")
# Configuration keys that make two publishes different (besides the code hash).
_COMPARED = (
    "Runtime",
    "Handler",
    "MemorySize",
    "Timeout",
    "Environment",
    "Role",
    "Layers",
    "EphemeralStorage",
    "Architectures",
    "DeadLetterConfig",
    "LoggingConfig",
)


class ResourceConflict(LambdaClientError):
    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("ResourceConflictException", message)


def check_patch_points() -> None:
    for attr in ("put_alias", "update_alias", "del_function", "publish_version", "_get_version"):
        if not hasattr(LambdaStorage, attr):
            raise RuntimeError(f"moto.awslambda.models.LambdaStorage.{attr} moved")


def _check_version_value(version: str | None) -> None:
    if version is not None and not _VERSION.match(str(version)):
        raise ValidationException(
            str(version),
            "functionVersion",
            "Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+) "
            "(an alias must point at a version number or $LATEST, never at another alias)",
        )


def _weights(routing_config: Any) -> dict[str, Any]:
    if not routing_config:
        return {}
    weights = routing_config.get("AdditionalVersionWeights") or {}
    return dict(weights)


def _check_routing(storage: Any, function_name: str, version: str, routing_config: Any) -> None:
    weights = _weights(routing_config)
    if not weights:
        return
    if len(weights) > 1:
        shown = ", ".join(f"{k}={v}" for k, v in weights.items())
        raise ValidationException(
            "{" + shown + "}",
            "routingConfig.additionalVersionWeights",
            "Member must have length less than or equal to 1 (an alias routes to its own "
            "version plus at most one additional version)",
        )
    for extra, weight in weights.items():
        try:
            value = float(weight)
        except (TypeError, ValueError):
            value = -1.0
        if not 0.0 <= value <= 1.0:
            raise ValidationException(
                "{" + f"{extra}={weight}" + "}",
                "routingConfig.additionalVersionWeights",
                "Map value must satisfy constraint: [Member must have value less than or "
                "equal to 1.0, Member must have value greater than or equal to 0.0] "
                "(weights are fractions: 10 % is 0.1)",
            )
        if version == "$LATEST":
            raise InvalidParameterValueException(
                "$LATEST is not supported for an alias pointing to more than 1 version: "
                "publish a version and point the alias at it before adding weights"
            )
        if not str(extra).isdigit():
            raise InvalidParameterValueException(
                f"Invalid function version {extra}: the additional version in a routing "
                "configuration must be a published version number"
            )
        if str(extra) == str(version):
            raise InvalidParameterValueException(
                f"Invalid function version {extra}. Function version {extra} is already "
                "included in routing configuration."
            )
        name = storage.get_function_by_name_or_arn_with_qualifier(function_name).function_name
        if storage._get_version(name, str(extra)) is None:
            arn = (
                f"arn:aws:lambda:{storage.region_name}:{storage.account_id}:function:{name}:{extra}"
            )
            raise UnknownFunctionException(arn)


@once
def install_patches() -> None:
    """Teach moto's LambdaStorage AWS's version and alias rules (once per process)."""
    check_patch_points()
    original_put = LambdaStorage.put_alias
    original_update = LambdaStorage.update_alias
    original_delete = LambdaStorage.del_function
    original_publish = LambdaStorage.publish_version

    @functools.wraps(original_put)
    def put_alias(
        self: Any,
        name: str,
        function_name: str,
        function_version: str,
        description: str,
        routing_config: Any,
    ) -> Any:
        _check_version_value(function_version)
        self.get_function_by_name_or_arn_with_qualifier(function_name, function_version)
        _check_routing(self, function_name, str(function_version), routing_config)
        return original_put(
            self, name, function_name, function_version, description, routing_config
        )

    @functools.wraps(original_update)
    def update_alias(
        self: Any,
        name: str,
        function_name: str,
        function_version: str,
        description: str,
        routing_config: Any,
    ) -> Any:
        _check_version_value(function_version)
        alias = self.get_alias(name, function_name)
        version = str(function_version or alias.function_version)
        self.get_function_by_name_or_arn_with_qualifier(function_name, version)
        effective = routing_config if routing_config is not None else alias.routing_config
        _check_routing(self, function_name, version, effective)
        result = original_update(
            self, name, function_name, function_version, description, routing_config
        )
        alias.revision_id = _new_revision()
        return result

    @functools.wraps(original_delete)
    def del_function(self: Any, name_or_arn: str, qualifier: str | None = None) -> None:
        fn = self.get_function_by_name_or_arn_with_qualifier(name_or_arn, qualifier)
        version = str(fn.version)
        if version.isdigit():
            aliases = self._get_function_aliases(fn.function_name)
            using = sorted(
                alias.name
                for alias in aliases.values()
                if str(alias.function_version) == version
                or version in {str(k) for k in _weights(alias.routing_config)}
            )
            if using:
                raise ResourceConflict(
                    "Unable to delete version because the following aliases reference "
                    f"it: [{', '.join(using)}]. Point the aliases at another version "
                    "(UpdateAlias) or delete them first."
                )
            entry = self._functions.get(fn.function_name)
            if entry is not None:
                entry["lablib_high_water"] = max(entry.get("lablib_high_water", 0), _highest(entry))
        original_delete(self, name_or_arn, qualifier)

    @functools.wraps(original_publish)
    def publish_version(self: Any, name_or_arn: str, description: str = "") -> Any:
        latest = self.get_function_by_name_or_arn_forbid_qualifier(name_or_arn)
        entry = self._functions.get(latest.function_name)
        if entry is not None and entry["versions"]:
            newest = entry["versions"][-1]
            if _same(latest, newest):
                latest.code_or_config_updated = False
                return newest
        latest.code_or_config_updated = True  # the "unchanged" check is done above
        if entry is not None:
            high = max(entry.get("lablib_high_water", 0), _highest(entry))
            # moto numbers the next version len(versions) + 1; pad so it is high + 1.
            pad = high - len(entry["versions"])
            if pad > 0:
                entry["versions"][:0] = [_Gone()] * pad
                try:
                    return original_publish(self, name_or_arn, description)
                finally:
                    entry["versions"][:] = [
                        v for v in entry["versions"] if not isinstance(v, _Gone)
                    ]
        return original_publish(self, name_or_arn, description)

    for method in ("update_function_code", "update_function_configuration"):
        setattr(LambdaBackend, method, _unqualified_only(getattr(LambdaBackend, method)))
    _patch_mappings()
    LambdaStorage.put_alias = put_alias  # type: ignore[method-assign]
    LambdaStorage.update_alias = update_alias  # type: ignore[method-assign]
    LambdaStorage.del_function = del_function  # type: ignore[method-assign]
    LambdaStorage.publish_version = publish_version  # type: ignore[method-assign]


def _patch_mappings() -> None:
    """An event source mapping created with a qualified ARN (alias or version) keeps it as its
    FunctionArn, as on AWS; moto would store the resolved version's ARN, pinning the mapping
    to one version so that repointing the alias changed nothing."""
    original_create = LambdaBackend.create_event_source_mapping
    original_config = EventSourceMapping.get_configuration

    @functools.wraps(original_create)
    def create(self: Any, spec: dict[str, Any]) -> Any:
        given = str(spec.get("FunctionName") or "")
        esm: Any = original_create(self, spec)
        tail = given.split(":function:")[-1] if ":function:" in given else given
        if ":" in tail:
            name, qualifier = tail.split(":", 1)
            esm.lablib_function_arn = (
                f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}:{qualifier}"
            )
        return esm

    @functools.wraps(original_config)
    def get_configuration(self: Any) -> dict[str, Any]:
        config: dict[str, Any] = original_config(self)
        qualified = getattr(self, "lablib_function_arn", None)
        if qualified:
            config["FunctionArn"] = qualified
        return config

    LambdaBackend.create_event_source_mapping = create  # type: ignore[method-assign]
    EventSourceMapping.get_configuration = get_configuration  # type: ignore[method-assign]


def _unqualified_only(original: Any) -> Any:
    """Published versions are immutable: code and configuration change on $LATEST only."""

    @functools.wraps(original)
    def wrapper(self: Any, function_name: str, qualifier: str | None, *a: Any, **kw: Any) -> Any:
        tail = (
            function_name.split(":function:")[-1]
            if ":function:" in function_name
            else (function_name)
        )
        in_name = tail.split(":", 1)[1] if ":" in tail else None
        given = qualifier or in_name
        if given and given != "$LATEST":
            raise InvalidParameterValueException(
                f"Cannot provide qualifier {given!r}: published versions are immutable and an "
                "alias is a pointer. Update the unqualified function ($LATEST), then "
                "PublishVersion (or pass Publish=True) and point the alias at the new version."
            )
        return original(self, function_name, qualifier, *a, **kw)

    return wrapper


class _Gone:
    """Placeholder for a deleted version while moto counts the next number."""

    version = 0
    code_or_config_updated = False


def _highest(entry: dict[str, Any]) -> int:
    numbers = [int(v.version) for v in entry["versions"] if str(v.version).isdigit()]
    return max(numbers, default=0)


def _new_revision() -> str:
    import uuid

    return str(uuid.uuid4())


def _same(latest: Any, newest: Any) -> bool:
    """Would publishing $LATEST now produce the same version as ``newest``?"""
    if latest.code_sha_256 != newest.code_sha_256:
        return False
    a = latest.get_configuration()
    b = newest.get_configuration()
    # A Description given to PublishVersion is the version's own; $LATEST's counts.
    source = getattr(newest, "lablib_source_description", newest.description)
    return latest.description == source and all(a.get(key) == b.get(key) for key in _COMPARED)
