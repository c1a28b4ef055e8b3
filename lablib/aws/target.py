"""Real AWS, on purpose: ``lablib.start(target="aws")`` or ``LABLIB_TARGET=aws``.

Nothing reaches a real account unless the learner names it: the confirmation
``"<account>/<region>"`` (``confirm=`` or ``LABLIB_CONFIRM_AWS``) must match the account of
the learner's profile (STS GetCallerIdentity) and the region in use. Without it,
:func:`connect` raises :class:`ConfirmationRequired` saying exactly what to pass. The clients
of :class:`RealAWS`, and every client of boto3's default session made afterwards (a
notebook's plain ``boto3.client(...)``), tag every resource they create with
``lablib:lab=<lab>`` (:mod:`lablib.aws.tagging`), which ``lablib cleanup`` finds and deletes.
Before anything is created, :func:`connect` shows the lab's cost estimate and the cells that
differ on real AWS (:mod:`lablib.aws.cost`); the clients refuse calls past the number the
estimate was made for.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from lablib.aws import cost, tagging
from lablib.aws.clock import LabClock

TARGET_ENV = "LABLIB_TARGET"
CONFIRM_ENV = "LABLIB_CONFIRM_AWS"
LAB_ENV = "LABLIB_LAB"
TARGETS = ("local", "aws")

# (profile, region) -> account id; the default asks STS with the learner's profile.
AccountLookup = Callable[[str | None, str], str]


@runtime_checkable
class Target(Protocol):
    """What the notebook helpers need of the AWS they use (``lablib._current``): the local
    AWS (:class:`lablib.aws.server.LocalAWS`) or a confirmed real account (:class:`RealAWS`).
    ``endpoint`` is ``None`` for AWS's own endpoints."""

    @property
    def region(self) -> str: ...

    @property
    def clock(self) -> LabClock: ...

    @property
    def running(self) -> bool: ...

    @property
    def endpoint(self) -> str | None: ...

    @property
    def account(self) -> str: ...

    def client(self, service: str, **kwargs: Any) -> Any: ...

    def stop(self) -> None: ...


class RealClock(LabClock):
    """The clock of real AWS: AWS's waits take as long as AWS says (scale 1)."""

    def __init__(self) -> None:
        super().__init__(1)

    def describe(self) -> str:
        return "real AWS: real time (every AWS wait takes as long as AWS says)"


class ConfirmationRequired(RuntimeError):
    """Real AWS was asked for without naming the account and region it would use."""


def resolve_target(target: str | None) -> str:
    """``target`` or ``$LABLIB_TARGET`` or ``local``; anything else is a ValueError."""
    chosen = target or os.environ.get(TARGET_ENV) or "local"
    if chosen not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, not {chosen!r}")
    return chosen


def sts_account(profile: str | None, region: str) -> str:
    """The account of ``profile`` (default profile chain) by STS GetCallerIdentity."""
    import boto3

    session = boto3.Session(profile_name=profile, region_name=region)
    return str(session.client("sts").get_caller_identity()["Account"])


def expected_confirmation(account: str, region: str) -> str:
    return f"{account}/{region}"


def check_confirmation(account: str, region: str, confirm: str | None) -> None:
    want = expected_confirmation(account, region)
    given = confirm if confirm is not None else os.environ.get(CONFIRM_ENV)
    if given == want:
        return
    said = "nothing was confirmed" if not given else f"the confirmation given was {given!r}"
    raise ConfirmationRequired(
        f"lablib will not create anything in real AWS without your explicit confirmation "
        f"({said}). Your profile is account {account}, region {region}; resources cost money "
        f"there. To go ahead, pass lablib.start(target='aws', confirm={want!r}) or set "
        f"{CONFIRM_ENV}={want}. Afterwards run `lablib cleanup --lab <lab>` to delete what "
        "the lab created."
    )


@dataclass
class RealAWS:
    """A confirmed real account: boto3 clients that tag what they create."""

    account: str
    region: str
    lab: str
    profile: str | None = None
    running: bool = True
    endpoint: str | None = None  # None: AWS's own endpoints
    budget: cost.CallBudget | None = None
    estimate: cost.Estimate | None = None
    clock: LabClock = field(default_factory=RealClock, repr=False)
    _default_session: Any = None

    def client(self, service: str, **kwargs: Any) -> Any:
        import boto3

        session = boto3.Session(profile_name=self.profile, region_name=self.region)
        if self.endpoint is not None:
            kwargs.setdefault("endpoint_url", self.endpoint)
        client = tagging.tag_creates(session.client(service, **kwargs), self.lab)
        return self.budget.attach(client) if self.budget is not None else client

    def tag_default_session(self) -> None:
        """boto3's default session (``boto3.client(...)``) is this account's, and every
        client it makes from now on tags what it creates and counts against the budget."""
        import boto3

        boto3.setup_default_session(profile_name=self.profile, region_name=self.region)
        also = self.budget.attach if self.budget is not None else None
        tagging.tag_session(boto3.DEFAULT_SESSION, self.lab, also)
        self._default_session = boto3.DEFAULT_SESSION

    def stop(self) -> None:
        """No more tagging of the default session (clients already made keep theirs)."""
        import boto3

        self.running = False
        if self._default_session is not None and boto3.DEFAULT_SESSION is self._default_session:
            boto3.DEFAULT_SESSION = None
        self._default_session = None

    def __repr__(self) -> str:
        return f"<RealAWS account={self.account} region={self.region} lab={self.lab}>"


def connect(
    region: str,
    confirm: str | None = None,
    *,
    lab: str | None = None,
    profile: str | None = None,
    account_of: AccountLookup | None = None,
    max_calls: int = cost.MAX_CALLS,
    say: Callable[[str], None] = print,
    starting_lab: bool = True,
) -> RealAWS:
    """The confirmed real account of ``profile``, or :class:`ConfirmationRequired`.
    ``account_of`` (default :func:`sts_account`) is looked up at call time, so tests replace it.
    Before returning (so before anything is created) it ``say``s the lab's cost estimate and
    which of its cells differ on real AWS; boto3's default session then tags and counts too.
    ``starting_lab=False`` (``lablib cleanup``) skips all three: it only needs the account."""
    profile = profile or os.environ.get("AWS_PROFILE") or None
    account = (account_of or sts_account)(profile, region)
    check_confirmation(account, region, confirm)
    name = lab or os.environ.get(LAB_ENV) or "default"
    if not starting_lab:
        return RealAWS(account, region, name, profile)
    real = RealAWS(account, region, name, profile, budget=cost.CallBudget(name, max_calls))
    say(describe_lab(real, max_calls))
    real.tag_default_session()
    return real


def describe_lab(real: RealAWS, max_calls: int) -> str:
    """The cost estimate of ``real.lab`` and the cells that differ on real AWS."""
    notebook = cost.find_notebook(real.lab)
    if notebook is None:
        real.estimate = cost.estimate(cost.Plan(real.lab), max_calls)
        return (
            f"{real.estimate.render()}\n(no notebook labs/NN-{real.lab}.ipynb found: the bound "
            "counts functions at Lambda's defaults, 128 MB and 3 s)"
        )
    real.estimate = cost.estimate(cost.plan(notebook), max_calls)
    lines = [
        real.estimate.render(),
        f"Cells of {notebook.name} that differ on real AWS (tagged {cost.TAG!r}; each starts "
        f"with the line {cost.NOTE.strip()!r} saying what to expect):",
    ]
    lines += [f"  cell {c.number} ({c.step}): {c.note}" for c in cost.marked(notebook)]
    return "\n".join(lines)
