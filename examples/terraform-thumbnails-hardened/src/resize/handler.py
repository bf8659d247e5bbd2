"""Resize uploaded images into thumbnails."""

import io
import os

import boto3
from PIL import Image

s3 = boto3.client("s3")
SIZES = [int(s) for s in os.environ.get("SIZES", "128").split(",")]


def handle(event, context):
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        for size in SIZES:
            image = Image.open(io.BytesIO(body))
            image.thumbnail((size, size))
            out = io.BytesIO()
            image.save(out, format="PNG")
            s3.put_object(
                Bucket=os.environ["THUMBNAIL_BUCKET"],
                Key=f"{size}/{key.rsplit('/', 1)[-1]}.png",
                Body=out.getvalue(),
            )
    return {"status": "ok"}
