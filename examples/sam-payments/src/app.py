"""Handlers for the sam-payments example."""

import json
import os

TABLE_NAME = os.environ.get("TABLE_NAME", "")


def handler(event, context):
    body = event.get("body") or "{}"
    payload = json.loads(body) if isinstance(body, str) else body
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"table": TABLE_NAME, "received": payload}),
    }
