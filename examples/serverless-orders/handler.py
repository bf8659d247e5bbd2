"""Orders API handlers (example code for faasguard; not production code)."""

import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def _response(status, body):
    return {"statusCode": status, "body": json.dumps(body)}


def list_orders(event, context):
    items = TABLE.scan(Limit=50).get("Items", [])
    return _response(200, items)


def create_order(event, context):
    order = json.loads(event.get("body") or "{}")
    TABLE.put_item(Item=order)
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(order))
    return _response(201, order)


def process_job(event, context):
    for record in event["Records"]:
        print("processing", record["messageId"])


def export_orders(event, context):
    return _response(200, TABLE.scan().get("Items", []))


def nightly_report(event, context):
    print("orders:", TABLE.scan(Select="COUNT")["Count"])
