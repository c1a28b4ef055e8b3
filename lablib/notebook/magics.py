"""IPython magics: write a handler in a cell, re-run to redeploy, invoke and see it inline.

``%load_ext lablib.notebook`` registers:

- ``%%lambda NAME [--runtime python3.12] [--memory 128] [--timeout 3] [--tmp 512]
  [--env K=V ...] [--requirements PKG ...] [--handler handler]``: deploys the cell as
  ``app.py`` of function NAME through boto3 (create, or update only what changed, then wait
  until Active). An update retires the warm environments, so the next invoke is cold.
  Requirements are pip-installed into a layer built locally (cached by their list).
- ``%invoke NAME [JSON]``: invokes and shows payload, status, function error, the log
  excerpt, duration / billed duration / memory used and whether it was a cold start.

Bad input (unknown option, syntax error, bad name, missing requirement) is a UsageError with
a specific message, raised before anything is deployed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .deploy import DeployError, deploy_code, zip_files
from .invoke import invoke


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit the kernel
        from IPython.core.error import UsageError

        raise UsageError(f"{self.prog}: {message}\n{self.format_usage()}")


def _lambda_parser() -> _Parser:
    parser = _Parser(prog="%%lambda", add_help=False)
    parser.add_argument("name")
    parser.add_argument("--runtime", default="python3.12")
    parser.add_argument("--memory", type=int, default=128)
    parser.add_argument("--timeout", type=int, default=3)
    parser.add_argument("--tmp", type=int, default=512)
    parser.add_argument("--handler", default="handler")
    parser.add_argument("--env", action="append", default=[], metavar="K=V")
    parser.add_argument("--requirements", nargs="+", action="extend", default=[], metavar="PKG")
    return parser


def parse_env(pairs: list[str]) -> dict[str, str]:
    """``["K=V", ...]`` to a dict, with a clear error for anything else."""
    from IPython.core.error import UsageError

    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"%%lambda --env {pair!r}: write KEY=VALUE, e.g. --env TABLE=orders")
        env[key] = value
    return env


def requirements_layer(requirements: list[str]) -> str:
    """Publish (once per requirement list) a layer with ``requirements`` pip-installed under
    ``python/``; returns its version ARN. Raises UsageError when pip cannot install them."""
    from IPython.core.error import UsageError

    from ._aws import client

    wanted = sorted(requirements)
    digest = hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:12]
    name = f"requirements-{digest}"
    lam = client("lambda")
    versions = lam.list_layer_versions(LayerName=name).get("LayerVersions", [])
    if versions:
        arn: str = versions[0]["LayerVersionArn"]
        return arn
    with tempfile.TemporaryDirectory(prefix="lablib-layer-") as tmp:
        target = Path(tmp) / "python"
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        done = subprocess.run(
            [*command, "--target", str(target), *wanted], capture_output=True, text=True
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise UsageError(f"%%lambda --requirements {' '.join(wanted)}: {last}")
        files = {
            str(path.relative_to(tmp)): path.read_bytes()
            for path in sorted(Path(tmp).rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts
        }
    published = lam.publish_layer_version(
        LayerName=name,
        Description="pip: " + " ".join(wanted),
        Content={"ZipFile": zip_files(files)},
        CompatibleRuntimes=["python3.12", "python3.11", "python3.13"],
    )
    arn = published["LayerVersionArn"]
    return arn


def defines(source: str, name: str) -> bool:
    """Whether module ``source`` binds ``name`` at its top level (def, class or assignment)."""
    import ast

    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return True
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
        elif isinstance(node, ast.ImportFrom | ast.Import):
            if any((alias.asname or alias.name) == name for alias in node.names):
                return True
    return False


def lambda_cell(line: str, cell: str) -> Any:
    """The ``%%lambda`` cell magic (see the module docstring)."""
    from IPython.core.error import UsageError

    args = _lambda_parser().parse_args(shlex.split(line))
    env = parse_env(args.env)
    try:
        compile(cell, "app.py", "exec")
    except SyntaxError as exc:
        raise UsageError(
            f"%%lambda {args.name}: not deployed, app.py line {exc.lineno}: {exc.msg} "
            "(AWS would accept the zip and fail every invoke with Runtime.UserCodeSyntaxError)"
        ) from None
    if not defines(cell, args.handler):
        raise UsageError(
            f"%%lambda {args.name}: not deployed, no function {args.handler!r} in this cell; "
            f"define `def {args.handler}(event, context):` or name yours with --handler "
            "(AWS would accept the zip and fail every invoke with Runtime.HandlerNotFound)"
        )
    layers = [requirements_layer(args.requirements)] if args.requirements else []
    try:
        deployment = deploy_code(
            args.name,
            cell,
            handler=args.handler,
            runtime=args.runtime,
            memory=args.memory,
            timeout=args.timeout,
            ephemeral_storage=args.tmp,
            environment=env,
            layers=layers,
        )
    except DeployError as exc:
        raise UsageError(f"%%lambda: {exc}") from None
    except Exception as exc:  # an AWS API error: show AWS's own words
        response = getattr(exc, "response", None)
        if response is None:
            raise
        error = response.get("Error", {})
        raise UsageError(
            f"%%lambda {args.name}: AWS rejected it: {error.get('Code')}: {error.get('Message')}"
        ) from None
    note = "; the next invoke is a cold start" if deployment.action != "unchanged" else ""
    print(f"{deployment!r}{note}")
    return None


def invoke_line(line: str) -> Any:
    """The ``%invoke NAME [JSON]`` line magic."""
    from IPython.core.error import UsageError

    usage = '%invoke NAME [JSON payload], e.g. %invoke orders {"id": 1}'
    words, payload = split_line(line, usage)
    if len(words) != 1:
        raise UsageError(usage)
    name = words[0]
    try:
        return invoke(name, {} if payload is None else payload)
    except Exception as exc:
        response = getattr(exc, "response", None)
        if response is None:
            raise
        error = response.get("Error", {})
        raise UsageError(f"%invoke {name}: {error.get('Code')}: {error.get('Message')}") from None


# JSON starts at the first '{' or '[' that is not a `{name}` to expand.
_JSON_START = re.compile(r"\{(?!\s*[A-Za-z_][\w.]*\s*\})|\[")


def _user_names() -> dict[str, Any] | None:
    """The notebook's own names (None outside IPython)."""
    from IPython import get_ipython

    shell = get_ipython()
    return dict(shell.user_ns) if shell is not None else None


def _expand(text: str) -> str:
    """``$name`` and ``{expression}`` from the notebook's variables, as IPython expands them."""
    from IPython.utils.text import DollarFormatter

    names = _user_names()
    if names is None:
        return text
    try:  # the notebook's own names only (not this module's locals)
        return str(DollarFormatter().vformat(text, args=[], kwargs=names))
    except Exception:  # as IPython does: leave what cannot be expanded as it is
        return text


def _expand_json(text: str) -> str:
    """``$name`` in a JSON part becomes the JSON of the notebook variable ``name``."""
    names = _user_names() or {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return json.dumps(names[name], default=str) if name in names else match.group(0)

    return re.sub(r"\$([A-Za-z_]\w*)", value, text)


def split_line(line: str, usage: str) -> tuple[list[str], Any]:
    """A magic's words, then an optional JSON value (None when absent).

    Words expand ``$var`` and ``{var}`` like other IPython magics; the JSON part may use
    ``$var`` too; a ``# comment`` after either is ignored.
    """
    from IPython.core.error import UsageError

    found = _JSON_START.search(line)
    head = line[: found.start()] if found else line
    head = head.split("#", 1)[0]
    words = _expand(head).split()
    if not found:
        return words, None
    rest = line[found.start() :]
    decoder = json.JSONDecoder()
    try:
        value, end = decoder.raw_decode(rest)
    except ValueError as exc:
        try:
            rest = _expand_json(rest)
            value, end = decoder.raw_decode(rest)
        except ValueError:
            raise UsageError(f"{usage}: the JSON part is not valid ({exc})") from None
    tail = rest[end:].strip()
    if tail and not tail.startswith("#"):
        raise UsageError(f"{usage}: unexpected text after the JSON part: {tail!r}")
    return words, value


def api_line(line: str) -> Any:
    """``%api API_ID STAGE [METHOD] PATH [JSON body]``: call a stage URL and show the reply."""
    from IPython.core.error import UsageError

    from .views import request

    usage = "%api API_ID STAGE [METHOD] PATH [JSON body], e.g. %api a1b2c3 prod POST /orders {}"
    words, body = split_line(line, usage)
    if len(words) == 3:
        words.insert(2, "GET" if body is None else "POST")
    if len(words) != 4:
        raise UsageError(usage)
    api_id, stage, method, path = words
    return request(api_id, stage, path, method, body)


def sfn_line(line: str) -> Any:
    """``%sfn STATE_MACHINE [JSON input]``: run it and show the diagram of the path taken."""
    from IPython.core.error import UsageError

    from .views import execution

    usage = '%sfn NAME_OR_ARN [JSON input], e.g. %sfn orders {"id": 1}'
    words, payload = split_line(line, usage)
    if len(words) != 1:
        raise UsageError(usage)
    try:
        return execution(words[0], payload)
    except ValueError as exc:
        raise UsageError(f"%sfn: {exc}") from None


def register(ipython: Any) -> None:
    """Register ``%%lambda``, ``%invoke``, ``%api`` and ``%sfn`` with an IPython shell.

    The line magics expand variables themselves (IPython gives up on a whole line when its
    JSON part is not a Python format string), so they are marked ``no_var_expand``.
    """
    from IPython.core.magic import no_var_expand

    for magic in (invoke_line, api_line, sfn_line):
        no_var_expand(magic)
    ipython.register_magic_function(lambda_cell, magic_kind="cell", magic_name="lambda")
    ipython.register_magic_function(invoke_line, magic_kind="line", magic_name="invoke")
    ipython.register_magic_function(api_line, magic_kind="line", magic_name="api")
    ipython.register_magic_function(sfn_line, magic_kind="line", magic_name="sfn")
