from __future__ import annotations

from collections.abc import Iterator

import pytest

from lablib.aws.server import LocalAWS
from tests.parity.harness import Context
from tests.support import running_aws

aws = pytest.fixture(scope="package", name="aws")(running_aws)


@pytest.fixture(scope="package")
def parity_context(aws: LocalAWS) -> Iterator[Context]:
    yield Context(aws)
