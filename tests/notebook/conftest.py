from __future__ import annotations

from collections.abc import Iterator

import pytest

import lablib
from lablib.aws.server import LocalAWS


@pytest.fixture(scope="package")
def local() -> Iterator[LocalAWS]:
    """The process-wide local AWS the notebook helpers use (as in a notebook kernel)."""
    aws = lablib.start()
    try:
        yield aws
    finally:
        lablib.stop()
