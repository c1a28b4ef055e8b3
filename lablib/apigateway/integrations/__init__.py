"""Step 7: the integration itself, one module per kind: Lambda (proxy and custom), HTTP and
HTTP proxy (loopback only), Mock, and AWS service integrations (SQS, DynamoDB, Step
Functions) against the local AWS. ``uri.py`` resolves ``${stageVariables.x}`` in URIs."""
