"""Handlers for the sam-payments example, hardened twin (example code; not production code)."""

import hashlib
import hmac
import json
import os
import time

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", ""))
SECRETS = boto3.client("secretsmanager")
_CACHE: dict[str, tuple[float, dict]] = {}


def _secret(arn_variable: str) -> dict:
    """A Secrets Manager secret named by an environment variable, cached for five minutes."""
    arn = os.environ[arn_variable]
    cached = _CACHE.get(arn)
    if cached is None or cached[0] < time.time():
        value = json.loads(SECRETS.get_secret_value(SecretId=arn)["SecretString"])
        cached = _CACHE[arn] = (time.time() + 300, value)
    return cached[1]


def _response(status: int, body: dict) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def create_payment(event, context):
    if event.get("rawPath", "").endswith("/health"):
        return _response(200, {"status": "ok"})  # the only anonymous route: no data, no calls
    payload = json.loads(event.get("body") or "{}")
    customer = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    stripe_key = _secret("STRIPE_SECRET_ARN")["api_key"]  # used by the payment client (elided)
    del stripe_key
    TABLE.put_item(Item={"id": context.aws_request_id, "customer": customer, "amount": payload})
    return _response(201, {"id": context.aws_request_id})


def refund(event, context):
    payment_id = json.loads(event.get("body") or "{}").get("id", "")
    TABLE.update_item(
        Key={"id": payment_id},
        UpdateExpression="SET refunded = :t",
        ExpressionAttributeValues={":t": True},
        ConditionExpression="attribute_exists(id)",
    )
    return _response(200, {"refunded": payment_id})


def webhook(event, context):
    """Stripe webhook: reject anything whose Stripe-Signature does not verify."""
    header = (event.get("headers") or {}).get("stripe-signature", "")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    body = event.get("body") or ""
    secret = _secret("WEBHOOK_SECRET_ARN")["webhook_secret"].encode()
    expected = hmac.new(secret, f"{parts.get('t', '')}.{body}".encode(), hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(parts.get("t", "0") or 0)) < 300
    if not fresh or not hmac.compare_digest(expected, parts.get("v1", "")):
        return _response(401, {"error": "bad signature"})
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=body)
    return _response(202, {"queued": True})


def settle(event, context):
    failures = []
    for record in event["Records"]:
        try:
            payment = json.loads(record["body"])
            TABLE.update_item(
                Key={"id": payment["id"]},
                UpdateExpression="SET settled = :t",
                ExpressionAttributeValues={":t": True},
            )
        except Exception:  # noqa: BLE001 - retried by SQS, then sent to the DLQ
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
