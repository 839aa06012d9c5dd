import type { APIGatewayProxyEvent, Context, SQSEvent } from "aws-lambda";

export const context = { functionName: "test", awsRequestId: "req-1" } as unknown as Context;

/** A signed-in customer, as API Gateway's Cognito authorizer describes them (every claim a string). */
export interface TestCustomer {
  readonly sub: string;
  readonly email: string;
  readonly emailVerified?: boolean;
  /** `cognito:groups`, as API Gateway renders the list claim (e.g. "staff"). */
  readonly groups?: string;
}

export const BUYER: TestCustomer = {
  sub: "7f3c2b1a-0000-4000-8000-00000000b001",
  email: "buyer@example.com",
};
export const OTHER_CUSTOMER: TestCustomer = {
  sub: "7f3c2b1a-0000-4000-8000-00000000c002",
  email: "someone.else@example.com",
};
/** A member of the user pool's staff group. */
export const STAFF_MEMBER: TestCustomer = {
  sub: "7f3c2b1a-0000-4000-8000-00000000d003",
  email: "support@shop.example.com",
  groups: "staff",
};

export function signedIn(customer: TestCustomer): APIGatewayProxyEvent["requestContext"] {
  return {
    authorizer: {
      claims: {
        sub: customer.sub,
        email: customer.email,
        email_verified: String(customer.emailVerified ?? true),
        token_use: "id",
        "cognito:username": customer.sub,
        iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test",
        aud: "testclient",
        exp: "Wed Nov 25 07:00:00 UTC 2026",
        iat: "Wed Nov 25 06:30:00 UTC 2026",
        ...(customer.groups === undefined ? {} : { "cognito:groups": customer.groups }),
      },
    },
  } as unknown as APIGatewayProxyEvent["requestContext"];
}

/** An API request, signed in as BUYER unless `requestContext` says otherwise. */
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
    requestContext: signedIn(BUYER),
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
