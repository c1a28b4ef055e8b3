"""The security suite attacks a running local AWS through its public interfaces only."""

from __future__ import annotations

import pytest

from tests.support import running_aws

aws = pytest.fixture(scope="package", name="aws")(running_aws)
