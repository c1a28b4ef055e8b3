"""A slow catalogue lookup (about 200 ms), to make the stage cache visible."""

import json
import time


def handler(event, context):
    time.sleep(0.2)
    page = (event.get("queryStringParameters") or {}).get("page", "1")
    return {"statusCode": 200, "body": json.dumps({"page": page, "built_at": time.time()})}
