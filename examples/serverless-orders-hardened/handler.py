"""Orders API handlers, hardened twin (example code for faasguard; not production code)."""

import json
import os
import uuid

import boto3
from aws_lambda_powertools.utilities import parameters
from boto3.dynamodb.conditions import Key

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
SQS = boto3.client("sqs")


def _response(status, body):
    return {"statusCode": status, "body": json.dumps(body, default=str)}


def _customer(event):
    """The caller's identity, from the JWT the HTTP API authorizer already verified."""
    return event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]


def _db_password():
    # SecureString read at run time (cached for 5 minutes); never stored in the environment.
    return parameters.get_parameter(os.environ["DB_PASSWORD_PARAMETER"], decrypt=True, max_age=300)


def list_orders(event, context):
    result = TABLE.query(
        IndexName="byCustomer",
        KeyConditionExpression=Key("customerId").eq(_customer(event)),
        Limit=50,
    )
    return _response(200, result.get("Items", []))


def create_order(event, context):
    try:
        order = json.loads(event.get("body") or "{}")
    except json.JSONDecodeError:
        return _response(400, {"error": "body must be JSON"})
    if not isinstance(order, dict) or not isinstance(order.get("items"), list):
        return _response(400, {"error": "an order needs a list of items"})
    order = {"id": str(uuid.uuid4()), "customerId": _customer(event), "items": order["items"]}
    TABLE.put_item(Item=order, ConditionExpression="attribute_not_exists(id)")
    SQS.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(order))
    return _response(201, order)


def process_job(event, context):
    failures = []
    for record in event["Records"]:
        try:
            print("processing", record["messageId"])
        except Exception:  # noqa: BLE001 - report the message back to SQS for a retry
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def export_orders(event, context):
    # Reached only through the IAM-authenticated function URL (back-office tooling).
    return _response(200, TABLE.scan(Limit=1000).get("Items", []))


def nightly_report(event, context):
    print("orders:", TABLE.scan(Select="COUNT")["Count"])
