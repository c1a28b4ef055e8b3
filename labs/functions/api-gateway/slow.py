"""Sleeps longer than the method's integration timeout allows."""

import json
import time


def handler(event, context):
    time.sleep(1.0)
    print("finished after the gateway had given up")
    return {"statusCode": 200, "body": json.dumps({"late": True})}
