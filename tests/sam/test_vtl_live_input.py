"""``$input.path('$')`` is the live request document: a ``#set`` on it shows in
``$input.json('$')``, as API Gateway's mapping templates behave (sample apps rely on it)."""

from __future__ import annotations

import json

from lablib.apigateway.vtl import render

TEMPLATE = (
    "#set($root = $input.path('$'))\n"
    '#if($root.toString().contains("error"))\n'
    "#set($context.responseOverride.status = 400)\n"
    "#set($root.statuscode = 650)\n"
    '#set($root.body = "changed")\n'
    "#end\n"
    "$input.json('$')"
)


def test_set_on_input_path_shows_in_input_json() -> None:
    context: dict[str, object] = {"responseOverride": {}}
    body = json.dumps({"statuscode": 200, "body": "error1"}).encode()
    out = render(TEMPLATE, body, {}, context, {})
    assert json.loads(out) == {"statuscode": 650, "body": "changed"}
    assert context["responseOverride"] == {"status": 400}


def test_untouched_document_renders_as_sent() -> None:
    context: dict[str, object] = {"responseOverride": {}}
    out = render(TEMPLATE, b'{"ok": [1, 2]}', {}, context, {})
    assert json.loads(out) == {"ok": [1, 2]}
    assert context["responseOverride"] == {}
