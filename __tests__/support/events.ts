import type { APIGatewayProxyEvent, Context, SQSEvent } from "aws-lambda";

export const context = { functionName: "test", awsRequestId: "req-1" } as unknown as Context;

export function apiEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: "/orders",
    path: "/orders",
    httpMethod: "POST",
    headers: { "Content-Type": "application/json" },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEvent["requestContext"],
    ...overrides,
  };
}

export const validOrder = {
  customerEmail: "buyer@example.com",
  items: [
    { productId: "SKU-1001", quantity: 2 },
    { productId: "SKU-1002", quantity: 1 },
  ],
  paymentToken: "tok_visa",
};

export function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `msg-${i}`,
      receiptHandle: `rh-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "x",
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:orders",
      awsRegion: "us-east-1",
    })),
  };
}

export const ORDER_ID = "0d6f1c8e-2a4b-5c3d-8e9f-0a1b2c3d4e5f";
