"""Realistic AWS Lambda events (shapes as AWS documents and delivers them) for the guard tests."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass

ORDER_SCHEMA = {
    "type": "object",
    "required": ["customer", "items"],
    "additionalProperties": False,
    "properties": {
        "customer": {"type": "string", "maxLength": 100},
        "note": {"type": "string"},
        "items": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["sku", "qty"],
                "properties": {
                    "sku": {"type": "string", "pattern": "^[A-Z0-9-]{3,20}$"},
                    "qty": {"type": "integer", "minimum": 1},
                    "name": {"type": "string"},
                },
            },
        },
    },
}

GOOD_ORDER = {
    "customer": "Zoë O'Brien",
    "note": "Leave at the back door, ring twice",
    "items": [
        {"sku": "SKU-1001", "qty": 2, "name": "Blue mug"},
        {"sku": "SKU-2002", "qty": 1, "name": "Tea (Earl Grey)"},
    ],
}


@dataclass
class Context:
    """The attributes of the Lambda context object that handlers use."""

    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    function_name: str = "orders-api"
    remaining_ms: int = 30_000
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:orders-api"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


_V1 = {
    "resource": "/orders/{id}",
    "path": "/orders/42",
    "httpMethod": "POST",
    "headers": {
        "Accept": "application/json",
        "Accept-Encoding": "gzip, deflate, br",
        "CloudFront-Forwarded-Proto": "https",
        "CloudFront-Viewer-Country": "GB",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/120.0.0.0 Safari/537.36",
        "Via": "2.0 f1d5c4e7a0.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Id": "cDehVQoZnx43VYQb9j2-nvCh-9z396Uhbp027Y2JvkCPNLmGJHqlaA==",
        "X-Amzn-Trace-Id": "Root=1-5e66d96f-7491f09xmpl79d18acf3d050",
        "X-Forwarded-For": "203.0.113.7, 130.176.1.66",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    },
    "multiValueHeaders": None,
    "queryStringParameters": {"expand": "items"},
    "multiValueQueryStringParameters": {"expand": ["items"]},
    "pathParameters": {"id": "42"},
    "stageVariables": None,
    "requestContext": {
        "accountId": "123456789012",
        "resourceId": "qbw6vp",
        "stage": "prod",
        "requestId": "f5f7a2b1-8f60-4f0c-9f70-7b9e1c1f3a10",
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "Mozilla/5.0"},
        "resourcePath": "/orders/{id}",
        "httpMethod": "POST",
        "apiId": "abc123",
        "protocol": "HTTP/1.1",
        "requestTimeEpoch": 1700000000000,
    },
    "body": None,
    "isBase64Encoded": False,
}


def apigw_v1(
    body: object = GOOD_ORDER,
    *,
    method: str = "POST",
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
    resource: str = "/orders/{id}",
    path: str = "/orders/42",
) -> dict:
    event = copy.deepcopy(_V1)
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    if base64_body and text is not None:
        text = base64.b64encode(text.encode()).decode()
    event.update(body=text, isBase64Encoded=base64_body, httpMethod=method)
    event["resource"], event["path"] = resource, path
    event["requestContext"]["httpMethod"] = method
    if query is not None:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    if headers:
        event["headers"].update(headers)
    return event


def apigw_v2(body: object = GOOD_ORDER, *, query: str = "", domain: str = "") -> dict:
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    return {
        "version": "2.0",
        "routeKey": "$default" if domain else "POST /orders",
        "rawPath": "/orders",
        "rawQueryString": query,
        "cookies": ["session=8f14e45fceea167a5a36dedd4bea2543", "theme=dark"],
        "headers": {
            "accept": "*/*",
            "content-length": str(len(text or "")),
            "content-type": "application/json",
            "host": domain or "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
            "user-agent": "curl/8.4.0",
            "x-amzn-trace-id": "Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e",
            "x-forwarded-for": "198.51.100.23",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        **({"queryStringParameters": params} if params else {}),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "r3pmxmplak",
            "domainName": domain or "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
            "domainPrefix": "r3pmxmplak",
            "http": {
                "method": "POST",
                "path": "/orders",
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.23",
                "userAgent": "curl/8.4.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default" if domain else "POST /orders",
            "stage": "$default",
            "time": "10/Mar/2020:05:16:23 +0000",
            "timeEpoch": 1583817383220,
        },
        "body": text,
        "isBase64Encoded": False,
    }


def function_url(body: object = GOOD_ORDER) -> dict:
    return apigw_v2(body, domain="a1b2c3d4e5f6.lambda-url.us-east-2.on.aws")


def alb(body: object = GOOD_ORDER, *, multi_value: bool = False, query: dict | None = None) -> dict:
    headers = {
        "accept": "application/json",
        "content-type": "application/json",
        "host": "lambda-alb-123578498.us-east-2.elb.amazonaws.com",
        "user-agent": "python-requests/2.31.0",
        "x-amzn-trace-id": "Root=1-5c536348-3d683b8b04734faae651f476",
        "x-forwarded-for": "72.12.164.125",
        "x-forwarded-port": "80",
        "x-forwarded-proto": "http",
    }
    event: dict = {
        "requestContext": {
            "elb": {
                "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-2:123456789012:"
                "targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a"
            }
        },
        "httpMethod": "POST",
        "path": "/lambda",
        "body": body if isinstance(body, str) or body is None else json.dumps(body),
        "isBase64Encoded": False,
    }
    if multi_value:
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in (query or {}).items()}
    else:
        event["headers"] = headers
        event["queryStringParameters"] = query or {}
    return event


def sqs(*bodies: object) -> dict:
    records = []
    for n, body in enumerate(bodies):
        records.append(
            {
                "messageId": f"059f36b4-87a3-44ab-83d2-66197{n:07d}",
                "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1545082649183",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082649185",
                },
                "messageAttributes": {},
                "md5OfBody": "098f6bcd4621d373cade4e832627b4f6",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:orders",
                "awsRegion": "us-east-2",
            }
        )
    return {"Records": records}


def sns(message: object, subject: str = "Order placed") -> dict:
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:orders:2bcfbf39",
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": "2019-01-02T12:45:07.000Z",
                    "Signature": "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...",
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotification"
                    "Service-ac565b8b1a6c5d002d285f9598aa1d9b.pem",
                    "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "Message": message if isinstance(message, str) else json.dumps(message),
                    "MessageAttributes": {"Test": {"Type": "String", "Value": "TestString"}},
                    "Type": "Notification",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
                    "Subject": subject,
                },
            }
        ]
    }


def s3(*keys: str) -> dict:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-2",
                "eventTime": "2019-09-03T19:37:27.192Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
                "requestParameters": {"sourceIPAddress": "205.255.255.255"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "828aa6fc-f7b5-4305-8584-487c791949c1",
                    "bucket": {
                        "name": "uploads-bucket",
                        "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                        "arn": "arn:aws:s3:::uploads-bucket",
                    },
                    "object": {
                        "key": key,
                        "size": 1305107,
                        "eTag": "b21b84d653bb07b05b1e6b33684dc11b",
                        "sequencer": f"0C0F6F405D6ED209E{n}",
                    },
                },
            }
            for n, key in enumerate(keys)
        ]
    }


def kinesis(*payloads: object) -> dict:
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "1",
                    "sequenceNumber": f"4959033305944195838094741858{n:024d}",
                    "data": base64.b64encode(
                        (p if isinstance(p, str) else json.dumps(p)).encode()
                    ).decode(),
                    "approximateArrivalTimestamp": 1545084650.987,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000006:4959033305944195838094741858{n:024d}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
                "awsRegion": "us-east-2",
                "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
            }
            for n, p in enumerate(payloads)
        ]
    }


def dynamodb(*images: dict) -> dict:
    return {
        "Records": [
            {
                "eventID": f"c4ca4238a0b923820dcc509a6f75849{n}",
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "Keys": {"Id": {"N": str(101 + n)}},
                    "NewImage": image,
                    "ApproximateCreationDateTime": 1428537600,
                    "SequenceNumber": f"4421584500000000017450439{n:03d}",
                    "SizeBytes": 26,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/"
                "2015-06-27T00:48:05.899",
            }
            for n, image in enumerate(images)
        ]
    }


def eventbridge(detail: dict, detail_type: str = "OrderPlaced") -> dict:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": "com.example.orders",
        "account": "123456789012",
        "time": "2017-12-22T18:43:48Z",
        "region": "us-west-1",
        "resources": [],
        "detail": detail,
    }


def schedule() -> dict:
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2015-10-08T16:53:06Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"],
        "detail": {},
    }
