from __future__ import annotations

from collections.abc import Iterator

import pytest

from lablib.aws.server import LocalAWS
from tests.support import running_aws


@pytest.fixture(scope="package")
def aws() -> Iterator[LocalAWS]:
    yield from running_aws()
