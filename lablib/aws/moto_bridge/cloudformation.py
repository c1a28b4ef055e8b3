"""moto internals for CloudFormation: stack operations as AWS runs them, and missing resources.

What this adds to moto's CloudFormation:

- ``install_patches(prepare)``: CreateStack/UpdateStack first hand the template to
  ``prepare`` (lablib.sam.prepare: parse, SAM transform, checks). A synchronous problem is
  a ``ValidationError``; a transform problem fails the stack. Resources are then created one
  by one in dependency order with stack events; when one fails the stack rolls back (the
  created resources are deleted) and ends ``ROLLBACK_COMPLETE`` (``UPDATE_ROLLBACK_COMPLETE``
  for updates), with AWS's reasons. Nothing stays half-created.
- ``install_patches(prepare, models)`` also adds ``models``: the resource types SAM templates
  need that moto lacks or keeps incompletely. They live in ``lablib.sam.resources`` (one
  module per service family) on top of ``cfn_models`` here.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.core.common_models import CloudFormationModel

from lablib.aws.moto_bridge import cfn_refs

Prepare = Callable[[str, dict[str, Any], str, str], str]


class TemplateRejected(Exception):
    """Raised by ``prepare`` for a template AWS rejects synchronously (ValidationError)."""


class StackFailed(Exception):
    """Raised by ``prepare`` for a template that fails the stack (e.g. a failed transform)."""


def supported_types() -> frozenset[str]:
    """Resource types the local CloudFormation can create."""
    return frozenset(_original_model_map()) | frozenset(_MODELS) | frozenset(parsing.NULL_MODELS)


# -- stack operations --------------------------------------------------------------------------
_patched = False
_lock = threading.Lock()
_original_model_map: Callable[[], dict[str, type[CloudFormationModel]]] = parsing.get_model_map
_MODELS: dict[str, type[CloudFormationModel]] = {}  # lablib's resource types, once installed
Notes = Callable[[str, Any], "str | None"]
_notes: list[Notes] = []  # (type, Properties) -> the CREATE_COMPLETE event's reason, or None


def check_patch_points() -> None:
    for owner, attr in (
        (CloudFormationBackend, "create_stack"),
        (CloudFormationBackend, "update_stack"),
        (CloudFormationBackend, "delete_stack"),
        (Stack, "create_resources"),
        (Stack, "_add_stack_event"),
        (parsing, "get_model_map"),
        (parsing.ResourceMap, "build_resource_diff"),
    ):
        if not hasattr(owner, attr):
            raise RuntimeError(f"moto CloudFormation changed: {owner.__name__}.{attr} moved")


def install_patches(
    prepare: Prepare,
    models: Mapping[str, type[CloudFormationModel]],
    notes: Notes | None = None,
) -> None:
    """Route stack operations through ``prepare`` and lablib's create/rollback loop, and add
    the resource types ``models`` (CloudFormation type -> model class). ``notes(type,
    properties)`` gives the reason a resource's CREATE_COMPLETE event shows (e.g. the
    properties it set that are not simulated)."""
    global _patched
    with _lock:
        if notes is not None and notes not in _notes:
            _notes[:] = [notes]
        if _patched:
            return
        check_patch_points()
        _MODELS.update(models)
        cfn_refs.install()

        @functools.lru_cache
        def model_map() -> dict[str, type[CloudFormationModel]]:
            return {**_original_model_map(), **_MODELS}

        parsing.get_model_map = model_map
        original_create = CloudFormationBackend.create_stack
        original_update = CloudFormationBackend.update_stack

        @functools.wraps(original_create)
        def create_stack(
            self: Any, name: str, template: str, parameters: Any, *a: Any, **kw: Any
        ) -> Any:
            params = dict(parameters or {})
            try:
                processed = prepare(template, params, self.account_id, self.region_name)
            except TemplateRejected as exc:
                raise ValidationError(name, str(exc)) from None
            except StackFailed as exc:
                return _failed_stack(self, name, template, parameters, str(exc), a, kw)
            return original_create(self, name, processed, parameters, *a, **kw)

        @functools.wraps(original_update)
        def update_stack(
            self: Any, name: str, template: str, role_arn: Any, parameters: Any, tags: Any
        ) -> Any:
            stack = self.get_stack(name)
            resolved = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
            if not template:
                template = stack.template
            try:
                processed = prepare(template, dict(resolved), self.account_id, self.region_name)
            except TemplateRejected as exc:
                raise ValidationError(name, str(exc)) from None
            except StackFailed as exc:
                stack._add_stack_event(
                    "UPDATE_IN_PROGRESS", resource_status_reason="User Initiated"
                )
                stack._add_stack_event(
                    "UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=str(exc)
                )
                stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
                stack.status, stack.status_reason = "UPDATE_ROLLBACK_COMPLETE", str(exc)
                return stack
            if _same(processed, stack.template) and resolved == stack.parameters:
                raise ValidationError(name, "No updates are to be performed.")
            return _update(stack, processed, role_arn, resolved, tags)

        CloudFormationBackend.create_stack = create_stack  # type: ignore[method-assign]
        CloudFormationBackend.update_stack = update_stack  # type: ignore[method-assign]
        Stack.create_resources = _create_resources  # type: ignore[method-assign]
        Stack.delete = _delete  # type: ignore[method-assign]
        _patched = True


def _same(processed: str, current: str) -> bool:
    try:
        return bool(json.loads(processed) == json.loads(current))
    except ValueError:
        return False


def _failed_stack(
    backend: Any, name: str, template: str, parameters: Any, reason: str, a: Any, kw: Any
) -> Any:
    """A stack that failed before any resource was created (e.g. the transform failed)."""
    minimal = json.dumps({"Resources": {}})
    original = CloudFormationBackend.create_stack.__wrapped__  # type: ignore[attr-defined]
    saved = Stack.create_resources
    Stack.create_resources = lambda self: None  # type: ignore[method-assign]
    try:
        stack = original(backend, name, minimal, {}, *a, **kw)
    finally:
        Stack.create_resources = saved  # type: ignore[method-assign]
    stack.template = template
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack._add_stack_event("ROLLBACK_COMPLETE")
    stack.status, stack.status_reason = "ROLLBACK_COMPLETE", reason
    del parameters
    return stack


def _event(
    stack: Any,
    logical_id: str,
    kind: str,
    status: str,
    physical: str = "",
    reason: str | None = None,
) -> None:
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical,
            resource_type=kind,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _physical(instance: Any) -> str:
    return str(getattr(instance, "physical_resource_id", "") or "")


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f'Resource handler returned message: "{message}"'


def _deps(body: dict[str, Any], names: set[str]) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            if "Ref" in value and isinstance(value["Ref"], str):
                found.add(value["Ref"])
            if "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"]
                found.add(target.split(".")[0] if isinstance(target, str) else target[0])
            if "Fn::Sub" in value:
                sub = value["Fn::Sub"]
                text = sub[0] if isinstance(sub, list) else sub
                import re

                for var in re.findall(r"\$\{([^!}][^}]*)\}", str(text)):
                    found.add(var.split(".")[0])
            for item in value.values():
                walk(item)

    walk(body.get("Properties") or {})
    depends = body.get("DependsOn") or []
    found.update([depends] if isinstance(depends, str) else depends)
    return found & names


def _ordered(resources: dict[str, Any]) -> list[str]:
    names = set(resources)
    deps = {name: _deps(body, names) for name, body in resources.items()}
    ordered: list[str] = []
    done: set[str] = set()
    while len(ordered) < len(names):
        ready = [n for n in resources if n not in done and deps[n] <= done]
        if not ready:  # a cycle: keep template order for the rest
            ready = [n for n in resources if n not in done]
        for name in ready:
            ordered.append(name)
            done.add(name)
    return ordered


def _create_resources(self: Any) -> None:
    """Create each resource with its events; on the first failure roll everything back."""
    self.status = "CREATE_IN_PROGRESS"
    rmap = self.resource_map
    template = self.template_dict
    rmap._template = template
    rmap._resource_json_map = template.get("Resources") or {}
    created: list[str] = []
    for logical_id in _ordered(rmap._resource_json_map):
        body = rmap._resource_json_map[logical_id]
        kind = body["Type"]
        condition = body.get("Condition")
        if condition and not rmap.lazy_condition_map[condition]:
            continue
        _event(self, logical_id, kind, "CREATE_IN_PROGRESS")
        try:
            if kind not in supported_types() and not kind.startswith("Custom::"):
                raise NotImplementedError(
                    f"Resource type {kind} is not supported by the local AWS (lablib)"
                )
            instance = rmap[logical_id]
        except Exception as exc:  # any resource failure fails the stack
            reason = _reason(exc)
            _event(self, logical_id, kind, "CREATE_FAILED", reason=reason)
            stack_reason = (
                f"The following resource(s) failed to create: [{logical_id}]. "
                "Rollback requested by user."
            )
            _roll_back(self, rmap, created, stack_reason)
            return
        created.append(logical_id)
        note = _notes[0](kind, body.get("Properties")) if _notes else None
        _event(self, logical_id, kind, "CREATE_COMPLETE", _physical(instance), note)
    try:  # Outputs are resolved now, as on AWS, so a bad one fails the stack (not Describe)
        for key in list(self.output_map):
            self.output_map[key]
    except Exception as exc:
        stack_reason = f"Outputs: {_reason(exc)}"
        _roll_back(self, rmap, created, stack_reason)
        return
    self.description = template.get("Description")
    self.mark_creation_complete()


def _roll_back(stack: Any, rmap: Any, created: list[str], reason: str) -> None:
    """Delete what the stack created (newest first) and leave it ROLLBACK_COMPLETE."""
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    _remove(stack, list(reversed(created)), for_rollback=True)
    rmap._resource_json_map = {}
    stack.output_map = parsing.OutputMap(rmap, {}, stack.stack_id)
    stack._add_stack_event("ROLLBACK_COMPLETE")
    stack.status, stack.status_reason = "ROLLBACK_COMPLETE", reason


def _remove(stack: Any, logical_ids: list[str], for_rollback: bool = False) -> list[str]:
    """Delete resources (reverse dependency order given); return the ones that failed."""
    rmap = stack.resource_map
    failed = []
    for logical_id in logical_ids:
        body = rmap._resource_json_map.get(logical_id) or {}
        instance = rmap._parsed_resources.get(logical_id)
        kind = body.get("Type", "")
        if instance is None or isinstance(instance, str):
            continue
        physical = _physical(instance)
        if body.get("DeletionPolicy") == "Retain":
            _event(stack, logical_id, kind, "DELETE_SKIPPED", physical)
            rmap._parsed_resources.pop(logical_id, None)
            continue
        _event(stack, logical_id, kind, "DELETE_IN_PROGRESS", physical)
        try:
            rmap._delete_resource(instance, body)
        except Exception as exc:
            _event(stack, logical_id, kind, "DELETE_FAILED", physical, _reason(exc))
            failed.append(logical_id)
            continue
        rmap._parsed_resources.pop(logical_id, None)
        _event(stack, logical_id, kind, "DELETE_COMPLETE", physical)
    del for_rollback
    return failed


def _delete(self: Any) -> None:
    self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    rmap = self.resource_map
    order = list(reversed(_ordered(rmap._resource_json_map)))
    failed = _remove(self, order)
    if failed:
        reason = f"The following resource(s) failed to delete: [{', '.join(failed)}]. "
        self._add_stack_event("DELETE_FAILED", resource_status_reason=reason)
        self.status, self.status_reason = "DELETE_FAILED", reason
        raise ValidationError(self.name, reason)
    self._add_stack_event("DELETE_COMPLETE")
    self.status = "DELETE_COMPLETE"


def _apply(rmap: Any, template: dict[str, Any], parameters: dict[str, Any], diff: Any) -> None:
    """moto's ResourceMap.update, but in dependency order: a function's new code is in place
    before the new version is published from it, and the alias moves after that."""
    old_resources = dict(rmap._resource_json_map)
    rmap._template = template
    rmap.input_parameters = parameters
    rmap.load_mapping()
    rmap.load_parameters()
    rmap.load_conditions()
    rmap._resource_json_map = template.get("Resources") or {}
    for logical_id in _ordered(rmap._resource_json_map):
        if logical_id in diff["Add"]:
            rmap[logical_id]
        elif logical_id in diff["Modify"]:
            changed = parsing.parse_and_update_resource(
                logical_id,
                rmap._resource_json_map[logical_id],
                rmap,
                account_id=rmap._account_id,
                region_name=rmap._region_name,
            )
            if changed is not None:
                rmap._parsed_resources[logical_id] = changed
    for logical_id in reversed(_ordered({k: old_resources[k] for k in diff["Remove"]})):
        instance = rmap._parsed_resources.pop(logical_id, None)
        if instance is not None and not isinstance(instance, str):
            rmap._delete_resource(instance, old_resources[logical_id])


def _update(
    stack: Any, processed: str, role_arn: Any, parameters: dict[str, Any], tags: Any
) -> Any:
    """UpdateStack: moto applies the diff; lablib adds events and rolls back on failure."""
    new_template = json.loads(processed)
    rmap = stack.resource_map
    old_template, old_text = stack.template_dict, stack.template
    old_parameters = dict(stack.parameters)
    diff = rmap.build_resource_diff(new_template, parameters)
    for logical_id in list(diff["Remove"]):
        if rmap._resource_json_map[logical_id].get("DeletionPolicy") == "Retain":
            diff["Remove"].remove(logical_id)
            rmap._resource_json_map.pop(logical_id)
            rmap._parsed_resources.pop(logical_id, None)
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    try:
        stack.template = processed
        stack.template_dict = new_template
        _apply(rmap, new_template, parameters, diff)
    except Exception as exc:
        reason = _reason(exc)
        stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
        stack.template, stack.template_dict = old_text, old_template
        try:
            _apply(rmap, old_template, old_parameters, rmap.build_resource_diff(old_template))
        except Exception as again:  # noqa: BLE001 - reported as AWS would
            stack._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=_reason(again))
            stack.status, stack.status_reason = "UPDATE_ROLLBACK_FAILED", _reason(again)
            return stack
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        stack.status, stack.status_reason = "UPDATE_ROLLBACK_COMPLETE", reason
        return stack
    resources = new_template.get("Resources") or {}
    for logical_id in diff["Add"]:
        instance = rmap._parsed_resources.get(logical_id)
        _event(
            stack, logical_id, resources[logical_id]["Type"], "CREATE_COMPLETE", _physical(instance)
        )
    for logical_id in diff["Modify"]:
        instance = rmap._parsed_resources.get(logical_id)
        _event(
            stack, logical_id, resources[logical_id]["Type"], "UPDATE_COMPLETE", _physical(instance)
        )
    stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    for logical_id in diff["Remove"]:
        _event(stack, logical_id, old_template["Resources"][logical_id]["Type"], "DELETE_COMPLETE")
    stack.output_map = stack._create_output_map()
    stack._add_stack_event("UPDATE_COMPLETE")
    stack.status, stack.status_reason = "UPDATE_COMPLETE", None
    stack.role_arn = role_arn
    stack.parameters = parameters
    if tags is not None:
        stack.tags = tags
    return stack
