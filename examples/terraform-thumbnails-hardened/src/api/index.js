const { S3Client, GetObjectCommand } = require("@aws-sdk/client-s3");

const s3 = new S3Client({});

exports.handler = async (event) => {
  const id = event.pathParameters && event.pathParameters.id;
  if (!id) {
    return { statusCode: 400, body: "missing id" };
  }
  const object = await s3.send(
    new GetObjectCommand({ Bucket: process.env.THUMBNAIL_BUCKET, Key: `128/${id}.png` })
  );
  return {
    statusCode: 200,
    headers: { "content-type": "image/png" },
    isBase64Encoded: true,
    body: Buffer.from(await object.Body.transformToByteArray()).toString("base64"),
  };
};
