"""The deploy tests' fixtures (tests/deploy/conftest.py): a package-wide local AWS, boto3
clients and an execution role of its own."""

from __future__ import annotations

from tests.deploy.conftest import aws, lam, make_function, role

__all__ = ["aws", "lam", "make_function", "role"]
