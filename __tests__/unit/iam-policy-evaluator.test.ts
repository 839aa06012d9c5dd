/** The local IAM evaluator: IAM's rules for identity policies, as far as it claims to follow them. */
import { evaluate, UnsupportedCondition, type PolicyDocument } from "../../local/iam/policy-evaluator";

const TABLE = "arn:aws:dynamodb:us-east-1:000000000000:table/local-orders";
const INDEX = `${TABLE}/index/status-updatedAt-index`;
const policy = (...Statement: PolicyDocument["Statement"][]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: Statement.flat() as PolicyDocument["Statement"],
});

test("an Allow on the action and the resource allows; nothing else is allowed (implicit deny)", () => {
  const role = [
    policy({ Sid: "RecordOrders", Effect: "Allow", Action: ["dynamodb:UpdateItem"], Resource: TABLE }),
  ];
  expect(evaluate(role, { action: "dynamodb:UpdateItem", resource: TABLE })).toEqual({
    allowed: true,
    statement: "RecordOrders",
  });
  expect(evaluate(role, { action: "dynamodb:DeleteItem", resource: TABLE })).toEqual({
    allowed: false,
    reason: "implicit-deny",
  });
  expect(evaluate(role, { action: "dynamodb:UpdateItem", resource: `${TABLE}-other` })).toMatchObject({
    allowed: false,
  });
  expect(evaluate([], { action: "sqs:SendMessage", resource: "arn:aws:sqs:us-east-1:0:q" })).toMatchObject({
    allowed: false,
  });
});

test("an explicit Deny wins over any Allow, in any policy, in any order", () => {
  const allow = policy({ Effect: "Allow", Action: "dynamodb:*", Resource: "*" });
  const deny = policy({ Sid: "NoDeletes", Effect: "Deny", Action: "dynamodb:DeleteItem", Resource: TABLE });
  for (const role of [
    [allow, deny],
    [deny, allow],
  ]) {
    expect(evaluate(role, { action: "dynamodb:DeleteItem", resource: TABLE })).toEqual({
      allowed: false,
      reason: "explicit-deny",
      statement: "NoDeletes",
    });
    expect(evaluate(role, { action: "dynamodb:GetItem", resource: TABLE })).toMatchObject({ allowed: true });
  }
});

test("action wildcards (* and ?) match case-insensitively, as IAM does", () => {
  const role = [policy({ Effect: "Allow", Action: ["dynamodb:Get*", "sqs:?eleteMessage"], Resource: "*" })];
  expect(evaluate(role, { action: "dynamodb:GetItem", resource: TABLE }).allowed).toBe(true);
  expect(evaluate(role, { action: "DynamoDB:getitem", resource: TABLE }).allowed).toBe(true);
  expect(evaluate(role, { action: "sqs:DeleteMessage", resource: "q" }).allowed).toBe(true);
  expect(evaluate(role, { action: "sqs:DeleteMessageBatch", resource: "q" }).allowed).toBe(false);
  expect(evaluate(role, { action: "dynamodb:PutItem", resource: TABLE }).allowed).toBe(false);
});

test("resource wildcards match case-sensitively; a table's ARN does not cover its indexes", () => {
  const role = [policy({ Effect: "Allow", Action: "dynamodb:Query", Resource: TABLE })];
  expect(evaluate(role, { action: "dynamodb:Query", resource: TABLE }).allowed).toBe(true);
  expect(evaluate(role, { action: "dynamodb:Query", resource: INDEX }).allowed).toBe(false);
  const withIndexes = [policy({ Effect: "Allow", Action: "dynamodb:Query", Resource: `${TABLE}/index/*` })];
  expect(evaluate(withIndexes, { action: "dynamodb:Query", resource: INDEX }).allowed).toBe(true);
  expect(evaluate(withIndexes, { action: "dynamodb:Query", resource: INDEX.toUpperCase() }).allowed).toBe(
    false,
  );
  expect(evaluate(withIndexes, { action: "dynamodb:Query", resource: TABLE }).allowed).toBe(false);
});

test("NotAction and NotResource invert what the statement covers", () => {
  const role = [
    policy(
      { Effect: "Allow", NotAction: "dynamodb:DeleteItem", Resource: TABLE },
      { Sid: "NotThere", Effect: "Deny", Action: "dynamodb:*", NotResource: [TABLE, `${TABLE}/*`] },
    ),
  ];
  expect(evaluate(role, { action: "dynamodb:PutItem", resource: TABLE }).allowed).toBe(true);
  expect(evaluate(role, { action: "dynamodb:DeleteItem", resource: TABLE }).allowed).toBe(false);
  expect(evaluate(role, { action: "dynamodb:PutItem", resource: `${TABLE}-other` })).toMatchObject({
    reason: "explicit-deny",
    statement: "NotThere",
  });
});

test("a condition it evaluates: StringEquals on a request key, IfExists, and the key missing", () => {
  const role = [
    policy({
      Effect: "Allow",
      Action: "states:StartExecution",
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": ["000000000000", "111111111111"] } },
    }),
  ];
  const start = (context?: Record<string, string>) =>
    evaluate(role, { action: "states:StartExecution", resource: "sm", context }).allowed;
  expect(start({ "aws:SourceAccount": "000000000000" })).toBe(true);
  expect(start({ "AWS:sourceaccount": "111111111111" })).toBe(true); // keys are case-insensitive
  expect(start({ "aws:SourceAccount": "222222222222" })).toBe(false);
  expect(start()).toBe(false);
  const ifExists = [
    policy({
      Effect: "Allow",
      Action: "sns:Publish",
      Resource: "*",
      Condition: { ArnLikeIfExists: { "aws:SourceArn": "arn:aws:events:*:*:rule/order-*" } },
    }),
  ];
  expect(evaluate(ifExists, { action: "sns:Publish", resource: "t" }).allowed).toBe(true);
  expect(
    evaluate(ifExists, {
      action: "sns:Publish",
      resource: "t",
      context: { "aws:SourceArn": "arn:aws:events:us-east-1:0:rule/other" },
    }).allowed,
  ).toBe(false);
});

test("a condition it does not evaluate is refused loudly, never guessed", () => {
  for (const operator of ["NumericLessThan", "ForAnyValue:StringEquals", "IpAddress", "DateGreaterThan"]) {
    const role = [
      policy({
        Sid: "Odd",
        Effect: "Allow",
        Action: "*",
        Resource: "*",
        Condition: { [operator]: { "aws:x": "1" } },
      }),
    ];
    expect(() => evaluate(role, { action: "sqs:SendMessage", resource: "q" })).toThrow(UnsupportedCondition);
    expect(() => evaluate(role, { action: "sqs:SendMessage", resource: "q" })).toThrow(
      `Statement Odd uses the condition operator ${operator}`,
    );
  }
});
