"""Gateway errors: AWS's response types, status codes and default bodies.

A handler raises ``GatewayError(type)``; the chain turns it into the response AWS sends,
honouring gateway responses the API customised (``put_gateway_response``), including
DEFAULT_4XX / DEFAULT_5XX.
"""

from __future__ import annotations

from dataclasses import dataclass

# type -> (status, default message, x-amzn-ErrorType)
GATEWAY_RESPONSES: dict[str, tuple[int, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    "INVALID_API_KEY": (403, "Forbidden", "ForbiddenException"),
    "ACCESS_DENIED": (
        403,
        "User is not authorized to access this resource with an explicit deny",
        "AccessDeniedException",
    ),
    "AUTHORIZER_FAILURE": (500, "Internal server error", "AuthorizerFailureException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (
        500,
        "Internal server error",
        "AuthorizerConfigurationException",
    ),
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "INVALID_SIGNATURE": (403, "Invalid signature", "InvalidSignatureException"),
    "INCOMPLETE_SIGNATURE": (403, "Incomplete signature", "IncompleteSignatureException"),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded", "LimitExceededException"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out", "InternalServerErrorException"),
    "INTEGRATION_FAILURE": (504, "Internal server error", "InternalServerErrorException"),
    "API_CONFIGURATION_ERROR": (500, "Internal server error", "InternalServerErrorException"),
    "BAD_GATEWAY": (502, "Internal server error", "InternalServerErrorException"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type", "UnsupportedMediaTypeException"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long", "RequestTooLargeException"),
    "RESOURCE_NOT_FOUND": (404, "Not Found", "NotFoundException"),
    "BAD_REQUEST_BODY": (400, "Invalid request body", "BadRequestException"),
    "BAD_REQUEST_PARAMETERS": (400, "Missing required request parameters", "BadRequestException"),
}

# Response types whose default body uses "Message" (capital M), as AWS sends them.
CAPITAL_MESSAGE = frozenset({"ACCESS_DENIED"})


@dataclass
class GatewayError(Exception):
    """Stop the chain and answer with the gateway response ``type``.

    ``log`` is what the execution log says about it (never shown to the client)."""

    type: str
    log: str = ""
    message: str | None = None

    def __post_init__(self) -> None:
        if self.type not in GATEWAY_RESPONSES:
            raise ValueError(f"unknown gateway response type {self.type!r}")
        super().__init__(self.log or self.type)

    @property
    def status(self) -> int:
        return GATEWAY_RESPONSES[self.type][0]

    @property
    def default_message(self) -> str:
        return self.message or GATEWAY_RESPONSES[self.type][1]

    @property
    def error_type(self) -> str:
        return GATEWAY_RESPONSES[self.type][2]

    @property
    def family(self) -> str:
        return "DEFAULT_4XX" if self.status < 500 else "DEFAULT_5XX"
