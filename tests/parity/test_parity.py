"""Each response recorded on real AWS (tests/parity/recorded/) against the local one.

A scenario passes when the local response matches the recording key for key, or when the
difference is listed, with its reason, as a ``parity`` row in lablib/aws/fidelity.yaml. A
listed scenario that starts to match fails until its row is removed, so the list stays true.
"""

from __future__ import annotations

import pytest

from tests.parity import registry
from tests.parity.harness import Context

_results: dict[str, dict[str, list[str]]] = {}
OUTCOMES: dict[str, bool] = {}


def problems_of(ctx: Context, scenario_id: str) -> list[str]:
    group = registry.group_of(scenario_id)
    if group not in _results:
        _results[group] = registry.run_group(ctx, group)
    return _results[group][scenario_id.split(":", 1)[1]]


@pytest.mark.parametrize("scenario_id", registry.scenario_ids())
def test_matches_aws_or_is_listed(parity_context: Context, scenario_id: str) -> None:
    problems = problems_of(parity_context, scenario_id)
    OUTCOMES[scenario_id] = not problems
    listed = registry.known_differences().get(scenario_id)
    if listed is None:
        assert not problems, "differs from the response recorded on AWS:\n  " + "\n  ".join(
            problems
        )
    else:
        assert problems, (
            f"{scenario_id} now matches AWS: remove its parity row from lablib/aws/fidelity.yaml"
        )
