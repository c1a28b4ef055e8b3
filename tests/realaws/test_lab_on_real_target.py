"""Labs 01 and 03 run cell by cell on a real target: the setup cell is rewritten to
``lablib.start(target="aws", ...)``, the account lookup answered by a local AWS the kernel
starts and the RealAWS pointed at it, as if it were remote. Every code cell runs (errors
allowed) and none may fail: the notebook helpers, checks and plain boto3 clients all go
through the RealAWS. Nothing reaches real AWS: the only endpoint is the kernel's loopback one.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.labs.nbrun import ROOT, errors, kernel_env

# lab -> a function it deploys (its tags are looked at after the last cell)
LABS = {"01-lambda-invocation": "li-batch", "03-api-gateway": "ag-apiname"}
LOCAL_START = "aws = lablib.start(fresh=True)"
REAL_START = """\
import atexit, os
from lablib.aws import target as _target
from lablib.aws.guard import is_loopback
from lablib.aws.server import LocalAWS

_remote = LocalAWS().start()   # stands in for the real account (its STS answers the lookup)
atexit.register(_remote.stop)
assert is_loopback(os.environ["AWS_ENDPOINT_URL"])
_target.sts_account = lambda profile, region: _remote.account
aws = lablib.start(target="aws", confirm=f"{_remote.account}/{_remote.region}", lab="LAB")
aws.endpoint = _remote.endpoint
assert isinstance(aws, _target.RealAWS) and lablib._current is aws
"""
# appended: the whole lab went through the RealAWS (counted, and tagged for `lablib cleanup`)
LAST = """\
_arn = lam.get_function(FunctionName="FUNCTION")["Configuration"]["FunctionArn"]
print("still current:", lablib._current is aws, "| calls:", aws.budget.calls,
      "| tag:", lam.list_tags(Resource=_arn)["Tags"].get("lablib:lab"))
"""


def on_real_target(path: Path, lab: str, function: str) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    setup = next(c for c in notebook.cells if c.cell_type == "code" and LOCAL_START in c.source)
    setup.source = setup.source.replace(LOCAL_START, REAL_START.replace("LAB", lab))
    notebook.cells.append(nbformat.v4.new_code_cell(LAST.replace("FUNCTION", function)))
    return notebook


@pytest.mark.parametrize("stem", sorted(LABS))
def test_the_lab_runs_on_a_real_target(stem: str) -> None:
    from nbclient import NotebookClient

    kernel_env()
    path, lab = ROOT / "labs" / f"{stem}.ipynb", stem[3:]
    notebook = on_real_target(path, lab, LABS[stem])
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    assert errors(notebook) == []
    setup = next(c for c in notebook.cells if c.cell_type == "code")
    shown = "".join(o.get("text", "") for o in setup.outputs if o["output_type"] == "stream")
    assert "<RealAWS account=" in shown and f"lab={lab}>" in shown
    last = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert "still current: True" in last and f"| tag: {lab}" in last
    calls = int(last.split("| calls: ")[1].split()[0])
    assert calls > 100  # the lab's own calls, not just the setup cell's
