"""Print how many recorded AWS responses the local AWS matches: ``N/M match`` per service.

python -m tests.parity.report            # the summary (as in the README)
python -m tests.parity.report -v         # and every difference
python -m tests.parity.report -v lambda/alias_lifecycle   # only some recorded tests
python -m tests.parity.report --rows     # the fidelity matrix's parity rows, regenerated
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from lablib.aws.server import LocalAWS
from tests.parity import registry
from tests.parity.harness import Context

REASONS = (
    ("/var/task", "code paths: handler code lives in lablib's state directory, not /var/task"),
    ("INIT_START", "the Tail log includes INIT_START"),
    ("StateReason", "function states: Pending/InProgress are not modelled"),
    ("LastUpdateStatus", "function states: Pending/InProgress are not modelled"),
    ("RevisionId", "RevisionId is not returned"),
    ("RuntimeVersionConfig", "RuntimeVersionConfig is not returned"),
    (".Layers: not on AWS", "an empty Layers list is returned where AWS omits it"),
    ("$.Message: missing", "the error body lacks AWS's top-level Message/Type"),
    ("$.Type: missing", "the error body lacks AWS's top-level Message/Type"),
)


def reason(problems: list[str]) -> str:
    """A short why for a differing scenario, for its fidelity row."""
    found: list[str] = []
    for marker, text in REASONS:
        if any(marker in problem for problem in problems) and text not in found:
            found.append(text)
    rest = [p for p in problems if not any(m in p for m, _ in REASONS)]
    if rest:
        found.append("also " + rest[0][:160] if found else rest[0][:200])
    return "; ".join(found)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    only = [arg for arg in argv if not arg.startswith("-")]
    groups = sorted({registry.group_of(s) for s in registry.scenario_ids()})
    groups = [g for g in groups if not only or any(g.startswith(o) for o in only)]
    total: Counter[str] = Counter()
    matching: Counter[str] = Counter()
    known = registry.known_differences()
    rows: list[str] = []
    with LocalAWS() as aws:
        ctx = Context(aws)
        for group in groups:
            for key, problems in registry.run_group(ctx, group).items():
                service = group.split("/")[0]
                total[service] += 1
                matching[service] += not problems
                scenario = f"{group}:{key}"
                if problems:
                    why = json.dumps(reason(problems))
                    rows.append(f"  {scenario}: {{status: approximated, how: {why}}}")
                if verbose and problems:
                    flag = "listed" if scenario in known else "NOT LISTED"
                    print(f"- {scenario} ({flag})")
                    for problem in problems:
                        print(f"    {problem}")
    if "--rows" in argv:
        print("parity:")
        print("\n".join(rows))
        return 0
    for service in sorted(total):
        print(f"{service}: {matching[service]}/{total[service]} match")
    print(f"parity: {sum(matching.values())}/{sum(total.values())} match")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
