"""What a lab will cost on a real account, said before its first create (issue #26).

:func:`plan` reads a lab notebook's code cells (nothing runs) for what it creates: functions
with their memory and timeout (``nb.deploy``, ``%%lambda``, ``create_function``) and every
other ``create_*`` call. :func:`estimate` prices that plan with AWS's public on-demand list
prices (:data:`PRICES`, us-east-1) and gives an upper bound in dollars, which holds because
lablib's clients refuse calls past :data:`MAX_CALLS` for the lab (:class:`CallBudget`): each
call is counted at its dearest (an invoke running to its timeout at its memory, retried
twice when asynchronous), plus hourly resources kept for :data:`HOURS` hours.
:func:`differences` lists the cells whose behaviour differs on real AWS (the lab clock,
timings, local-only helpers), so the learner knows where to expect other numbers: the notebook
marks each such cell with the tag ``on-real-aws`` and a first line ``# On real AWS: <what
differs>``, and the list is read from those markers, so it says what the notebook shows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PRICE_SOURCE = (
    "AWS public list prices, us-east-1, on-demand (December 2026); check each service's "
    "pricing page"
)
# name -> (USD, unit)
PRICES: dict[str, tuple[float, str]] = {
    "lambda.request": (0.20 / 1e6, "per request"),
    "lambda.gb_second": (0.0000166667, "per GB-second (x86)"),
    "sqs.request": (0.40 / 1e6, "per request"),
    "sns.request": (0.50 / 1e6, "per publish"),
    "dynamodb.write": (0.625 / 1e6, "per write request unit (on-demand)"),
    "dynamodb.read": (0.125 / 1e6, "per read request unit (on-demand)"),
    "apigateway.request": (3.50 / 1e6, "per REST API request"),
    "stepfunctions.transition": (0.025 / 1e3, "per state transition (standard)"),
    "s3.request": (0.005 / 1e3, "per PUT/LIST request"),
    "kinesis.shard_hour": (0.015, "per shard-hour (provisioned)"),
    "kms.key_month": (1.00, "per key-month (a deleted key is billed for its 7-day wait)"),
    "logs.gb": (0.50, "per GB of log data ingested"),
}
MAX_CALLS = 5_000  # API calls one lab may make through lablib's clients on a real account
HOURS = 8  # how long hourly resources (Kinesis shards) are counted as kept
ASYNC_TRIES = 3  # an asynchronous invoke is tried up to 3 times (2 retries)
TRANSITIONS_PER_EXECUTION = 25  # a bound for the labs' state machines (their longest path)
LOG_BYTES_PER_CALL = 10_000  # a bound on the log data one call makes (START/END/REPORT, prints)

_DEFAULT_MEMORY, _DEFAULT_TIMEOUT = 128, 3


@dataclass(frozen=True)
class Function:
    name: str
    memory_mb: int
    timeout_s: int

    @property
    def gb_seconds(self) -> float:
        return self.memory_mb / 1024 * self.timeout_s


@dataclass
class Plan:
    """What a lab's notebook creates (read from its code, nothing run)."""

    lab: str
    functions: list[Function] = field(default_factory=list)
    resources: dict[str, int] = field(default_factory=dict)  # create call -> count


def _code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def _int(pattern: str, text: str, default: int) -> int:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else default


def _calls(source: str, name: str) -> list[str]:
    """The argument text of each ``.name(...)`` call (up to the matching parenthesis)."""
    out = []
    for match in re.finditer(rf"\.{name}\(", source):
        depth, end = 1, match.end()
        while end < len(source) and depth:
            depth += {"(": 1, ")": -1}.get(source[end], 0)
            end += 1
        out.append(source[match.end() : end - 1])
    return out


def _function(name: str, text: str, memory: str, timeout: str) -> Function:
    """Function ``name`` with the memory and timeout the patterns find in ``text`` (Lambda's
    defaults where they find none)."""
    return Function(
        name, _int(memory, text, _DEFAULT_MEMORY), _int(timeout, text, _DEFAULT_TIMEOUT)
    )


def plan(notebook: Path) -> Plan:
    """The functions (name, memory, timeout) and other resources ``notebook`` creates."""
    lab = re.sub(r"^\d+-", "", notebook.stem)
    result = Plan(lab)
    functions: dict[str, Function] = {}
    for source in _code_cells(notebook):
        magic = re.match(r"%%lambda\s+(\S+)(.*)", source)
        if magic:
            functions[magic.group(1)] = _function(
                magic.group(1), magic.group(2), r"--memory[ =](\d+)", r"--timeout[ =](\d+)"
            )
        for args in _calls(source, "deploy"):
            named = re.search(r"name=['\"]([^'\"]+)", args)
            if named:
                functions[named.group(1)] = _function(
                    named.group(1), args, r"memory=(\d+)", r"timeout=(\d+)"
                )
        for args in _calls(source, "create_function"):
            named = re.search(r"FunctionName=['\"]([^'\"]+)", args)
            name = named.group(1) if named else f"function {len(functions) + 1}"
            functions[name] = _function(name, args, r"MemorySize=(\d+)", r"Timeout=(\d+)")
        for create in re.findall(r"\.(create_(?!function\b)\w+)\(", source):
            result.resources[create] = result.resources.get(create, 0) + 1
    result.functions = sorted(functions.values(), key=lambda f: f.name)
    return result


@dataclass
class Estimate:
    plan: Plan
    upper_bound_usd: float
    lines: list[tuple[str, str]]  # (what, dollars or price)

    def render(self) -> str:
        width = max(len(what) for what, _ in self.lines)
        rows = [f"  {what.ljust(width)}  {value}" for what, value in self.lines]
        return "\n".join(
            [
                f"Cost estimate for lab {self.plan.lab!r} on your real AWS account "
                f"(upper bound ${self.upper_bound_usd:.2f}):",
                *rows,
                f"  ({PRICE_SOURCE}.)",
            ]
        )


def _usd(value: float) -> str:
    if value >= 1:
        return f"${value:.2f}"
    return f"${value:.6f}" if value < 0.01 else f"${value:.4f}"


def estimate(lab_plan: Plan, max_calls: int = MAX_CALLS, hours: int = HOURS) -> Estimate:
    """An upper bound in dollars for ``lab_plan`` with at most ``max_calls`` API calls."""
    price = {name: usd for name, (usd, _) in PRICES.items()}
    # Functions the notebook makes some other way count at Lambda's defaults (128 MB, 3 s).
    default_fn = Function("", _DEFAULT_MEMORY, _DEFAULT_TIMEOUT).gb_seconds
    dearest_fn = max([default_fn, *(f.gb_seconds for f in lab_plan.functions)])
    per_invoke = ASYNC_TRIES * (price["lambda.request"] + dearest_fn * price["lambda.gb_second"])
    per_execution = TRANSITIONS_PER_EXECUTION * price["stepfunctions.transition"] + (
        TRANSITIONS_PER_EXECUTION * per_invoke
    )
    per_call = max(per_invoke, per_execution if "create_state_machine" in lab_plan.resources else 0)
    per_call = max(per_call, price["apigateway.request"] + per_invoke)
    per_call += LOG_BYTES_PER_CALL / 1e9 * price["logs.gb"]
    shards = lab_plan.resources.get("create_stream", 0)
    keys = lab_plan.resources.get("create_key", 0)
    fixed = shards * hours * price["kinesis.shard_hour"] + keys * price["kms.key_month"]
    bound = max_calls * per_call + fixed
    lines = [
        (f"functions ({len(lab_plan.functions)})", ", ".join(
            f"{f.name} {f.memory_mb} MB/{f.timeout_s} s" for f in lab_plan.functions) or "-"),
        ("other resources", ", ".join(
            f"{n} x{c}" for n, c in sorted(lab_plan.resources.items())) or "-"),
        ("Lambda", f"{_usd(price['lambda.request'] * 1e6)} per 1M requests + "
                   f"{price['lambda.gb_second']:.10f} USD per GB-s"),
        ("API Gateway / SQS / SNS", f"{_usd(price['apigateway.request'] * 1e6)} / "
         f"{_usd(price['sqs.request'] * 1e6)} / {_usd(price['sns.request'] * 1e6)} per 1M"),
        ("Step Functions",
         f"{_usd(price['stepfunctions.transition'] * 1e3)} per 1,000 transitions"),
        ("dearest call", f"{_usd(per_call)} (an invoke at {dearest_fn:.2f} GB-s, tried "
                         f"{ASYNC_TRIES}x, behind API Gateway, with its logs)"),
        ("calls allowed", f"{max_calls:,} through lablib's clients; more are refused"),
        ("hourly/monthly",
         f"{_usd(fixed)} ({shards} Kinesis shard(s) x {hours} h, {keys} KMS key(s))"),
        ("upper bound", f"{_usd(bound)} = {max_calls:,} x dearest call + hourly/monthly"),
        ("free tier",
         "most labs fit in the always-free tier (1M Lambda requests, 400,000 GB-s a month)"),
    ]  # fmt: skip
    return Estimate(lab_plan, bound, lines)


# What makes a cell suspect of behaving differently on real AWS. Only a hint: the notebook's
# own markers (:data:`TAG`, :data:`NOTE`) say which cells differ; tests/realaws checks that
# every suspect is either marked or says why it runs the same (:data:`SAME_KEY`).
_SUSPECT: list[tuple[str, str]] = [
    (r"\bclock\b|CLOCK_SCALE", "lab clock: real AWS waits minutes where the lab waits seconds"),
    (r"\bnb\.timeline\(|\bnb\.invocations\(|report_table", "reads the local AWS's own records"),
    (r"\bfidelity\b|/_lablib/", "fidelity view: only the local AWS has it"),
    (r"time\.sleep\(|perf_counter\(|_ms\b", "timing: real AWS latencies and cold starts differ"),
    (r"\bcheck\(", "exercise check: reads state the local AWS keeps"),
    (r"_user_request_|set_learning_mode|LABLIB_\w+", "a local-only URL, switch or setting"),
]
TAG = "on-real-aws"  # the cell tag of a cell that differs on real AWS
NOTE = "# On real AWS: "  # its first line (after a %% cell magic, the second) says how
SAME_KEY = "same_on_real_aws"  # cell metadata["lablib"][SAME_KEY]: why a suspect runs the same


@dataclass(frozen=True)
class Marked:
    """A code cell marked as differing on real AWS: its number (code cells from 1), the
    step it is in (the last Markdown heading above it) and its note ("" when missing)."""

    number: int
    step: str
    note: str


def _cells(notebook: Path) -> list[dict[str, Any]]:
    return list(json.loads(notebook.read_text())["cells"])


def note_of(source: str) -> str:
    """The text after ``# On real AWS:`` on the cell's first line (its second after a cell
    magic), or ""."""
    lines = source.splitlines()
    if lines and lines[0].startswith("%%"):
        lines = lines[1:]
    first = lines[0] if lines else ""
    return first[len(NOTE) :].strip() if first.startswith(NOTE) else ""


def marked(notebook: Path) -> list[Marked]:
    """The code cells tagged :data:`TAG`, with their notes, in notebook order."""
    out, number, step = [], 0, ""
    for cell in _cells(notebook):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            headings = re.findall(r"^#{1,3} +(.+?) *$", source, re.M)
            step = headings[-1] if headings else step
            continue
        if cell["cell_type"] != "code":
            continue
        number += 1
        if TAG in cell.get("metadata", {}).get("tags", []):
            out.append(Marked(number, step, note_of(source)))
    return out


def differences(notebook: Path) -> list[tuple[int, str]]:
    """(code cell number from 1, the cell's own ``# On real AWS:`` note) for each cell the
    notebook marks as differing on real AWS (tag :data:`TAG`)."""
    return [(cell.number, cell.note) for cell in marked(notebook)]


def suspects(notebook: Path) -> list[tuple[int, str]]:
    """(code cell number from 1, why) for each cell whose code suggests it may differ on real
    AWS (:data:`_SUSPECT`); a check on the markers, not what the learner is shown."""
    out = []
    for number, source in enumerate(_code_cells(notebook), start=1):
        reasons = [why for pattern, why in _SUSPECT if re.search(pattern, source)]
        if reasons:
            out.append((number, "; ".join(reasons)))
    return out


def same_on_real_aws(notebook: Path) -> dict[int, str]:
    """Code cell number -> why it runs the same on real AWS (cell metadata, for suspects)."""
    out, number = {}, 0
    for cell in _cells(notebook):
        if cell["cell_type"] != "code":
            continue
        number += 1
        why = cell.get("metadata", {}).get("lablib", {}).get(SAME_KEY)
        if why is not None:
            out[number] = str(why)
    return out


def find_notebook(lab: str, labs: Path | None = None) -> Path | None:
    """``labs/NN-<lab>.ipynb``: in ``labs``, else the nearest ``labs/`` from the current
    folder upwards, else the one beside this package (a checkout)."""
    folders = [labs] if labs else [p / "labs" for p in [Path.cwd(), *Path.cwd().parents]]
    folders.append(Path(__file__).resolve().parents[2] / "labs")
    for folder in folders:
        found = sorted(folder.glob(f"[0-9][0-9]-{lab}.ipynb")) if folder.is_dir() else []
        if found:
            return found[0]
    return None


class BudgetExceeded(RuntimeError):
    """A lab made more API calls on a real account than its cost estimate allows."""


class CallBudget:
    """Counts the API calls of one lab's clients; past ``limit`` a call is refused."""

    def __init__(self, lab: str, limit: int = MAX_CALLS) -> None:
        self.lab, self.limit, self.calls = lab, limit, 0

    def before_call(self, **_: Any) -> None:
        self.calls += 1
        if self.calls > self.limit:
            raise BudgetExceeded(
                f"lab {self.lab!r} has made {self.limit:,} calls on your real AWS account, the "
                "number its cost estimate was given for; lablib refuses more. Run `lablib "
                f"cleanup --lab {self.lab}` and start again, or pass a larger max_calls."
            )

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-call", self.before_call)
        return client
