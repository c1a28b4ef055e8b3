"""Says which version and stage answered (for stage variables, aliases and canaries)."""

import json
import os


def handler(event, context):
    return {
        "statusCode": 200,
        "body": json.dumps(
            {
                "version": context.function_version,
                "colour": os.environ.get("COLOUR", "?"),
                "stage": event["requestContext"]["stage"],
            }
        ),
    }
