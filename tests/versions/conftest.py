"""Fixtures shared with the runtime tests: a session-wide local AWS and boto3 clients."""

from tests.lambda_rt.conftest import aws, lam, make_function, role

__all__ = ["aws", "lam", "make_function", "role"]
