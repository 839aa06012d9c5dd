/**
 * What local IAM reads from the synthesized stack: each role's inline policies for the local
 * variable values, with Terraform references replaced by the local twins' ARNs, and the IAM checks
 * each AWS call implies.
 */
import { resolve } from "node:path";
import { FUNCTIONS } from "../../lambdas/platform/contracts";
import { dynamoDbChecks, sendEmailChecks, snsPublishChecks } from "../../local/iam/aws-calls";
import {
  enforcedRoles,
  invokePermissions,
  UnreadablePolicy,
  type EnforcedRole,
  type TerraformVariables,
} from "../../local/iam/enforced-roles";
import { evaluate } from "../../local/iam/policy-evaluator";
import { loadSynthesizedStack, type SynthesizedStack } from "../../local/iam/synthesized-stack";
import { LOCAL_RESOURCES, localFunctionArn, tableArn } from "../../local/runtime/resources";

const DEFAULTS: TerraformVariables = {
  payment_provider: "simulated",
  customer_emails: "on",
  workflow_type: "STANDARD",
  vpc_mode: "none",
};

let synthesized: SynthesizedStack;
beforeAll(() => {
  synthesized = loadSynthesizedStack(resolve(__dirname, "../.."));
});

const allows = (role: EnforcedRole, action: string, resource: string) =>
  evaluate(role.documents, { action, resource }).allowed;

describe("the roles read from the synthesized stack", () => {
  test("every function's role and the workflow's, the pipe's and the schedule's, named as locally deployed", () => {
    const roles = enforcedRoles(synthesized, DEFAULTS);
    expect([...roles.keys()].sort()).toEqual(
      [...FUNCTIONS.map((f) => f.id), "Workflow", "OutboxPipe", "ReconcilerSchedule"].sort(),
    );
    expect(roles.get("ProcessPayment")!.name).toBe("local-process-payment-role");
    expect(roles.get("ProcessPayment")!.sessionArn).toBe(
      "arn:aws:sts::000000000000:assumed-role/local-process-payment-role/local-process-payment",
    );
  });

  test("every resource resolves to a local ARN, except those of calls the runtime makes itself", () => {
    // Log delivery, and the pipe's stream reads and dead-letter sends, are the runtime's own work.
    const notCalledLocally = [
      /^\$\{aws_cloudwatch_log_group\.\w+\.arn\}:\*$/,
      /^\$\{aws_dynamodb_table\.OrdersTable\.stream_arn\}$/,
      /^\$\{aws_sqs_queue\.OrderStreamDeadLetterQueue\.arn\}$/,
    ];
    for (const role of enforcedRoles(synthesized, DEFAULTS).values()) {
      for (const unresolved of role.unresolved) {
        expect(notCalledLocally.some((pattern) => pattern.test(unresolved))).toBe(true);
      }
    }
  });

  test("grants on a table, an index, a state machine and a topic match the local twins exactly", () => {
    const roles = enforcedRoles(synthesized, DEFAULTS);
    const placement = roles.get("OrderPlacement")!;
    expect(allows(placement, "dynamodb:PutItem", LOCAL_RESOURCES.ordersTable.arn)).toBe(true);
    expect(allows(placement, "dynamodb:Query", LOCAL_RESOURCES.ordersByCustomerIndex.arn)).toBe(true);
    // The index grant is not a grant on the table, nor on the other index.
    expect(allows(placement, "dynamodb:Query", LOCAL_RESOURCES.ordersTable.arn)).toBe(false);
    expect(allows(placement, "dynamodb:Query", LOCAL_RESOURCES.ordersByStatusIndex.arn)).toBe(false);
    expect(allows(placement, "dynamodb:DeleteItem", LOCAL_RESOURCES.ordersTable.arn)).toBe(false);
    const starter = roles.get("StartOrderProcessing")!;
    expect(allows(starter, "states:StartExecution", LOCAL_RESOURCES.orderWorkflow.arn)).toBe(true);
    const workflow = roles.get("Workflow")!;
    expect(allows(workflow, "lambda:InvokeFunction", localFunctionArn("ProcessPayment"))).toBe(true);
    expect(allows(workflow, "lambda:InvokeFunction", localFunctionArn("OrderPlacement"))).toBe(false);
    expect(allows(workflow, "sns:Publish", LOCAL_RESOURCES.orderAlertsTopic.arn)).toBe(false);
  });

  test("policies that exist for one variable value only follow the local values", () => {
    const stripe = enforcedRoles(synthesized, { ...DEFAULTS, payment_provider: "stripe" });
    const simulated = enforcedRoles(synthesized, DEFAULTS);
    const secret = LOCAL_RESOURCES.stripeSecret.arn;
    expect(allows(stripe.get("ProcessPayment")!, "secretsmanager:GetSecretValue", secret)).toBe(true);
    expect(allows(simulated.get("ProcessPayment")!, "secretsmanager:GetSecretValue", secret)).toBe(false);

    const template = LOCAL_RESOURCES.confirmationEmailTemplate.arn;
    const emailsOff = enforcedRoles(synthesized, { ...DEFAULTS, customer_emails: "off" });
    expect(allows(simulated.get("OrderSuccessHandler")!, "ses:SendEmail", template)).toBe(true);
    expect(allows(emailsOff.get("OrderSuccessHandler")!, "ses:SendEmail", template)).toBe(false);

    // The workflow role's policy is chosen by workflow_type: only Express announces on the bus.
    const bus = "arn:aws:events:us-east-1:000000000000:event-bus/default";
    const express = enforcedRoles(synthesized, { ...DEFAULTS, workflow_type: "EXPRESS" });
    expect(allows(express.get("Workflow")!, "events:PutEvents", bus)).toBe(true);
    expect(allows(simulated.get("Workflow")!, "events:PutEvents", bus)).toBe(false);
  });

  test("resource policies: which services may invoke which function", () => {
    expect([...invokePermissions(synthesized, DEFAULTS)].sort()).toEqual([
      "AfterSale apigateway.amazonaws.com",
      "CatalogAdmin apigateway.amazonaws.com",
      "CustomerData apigateway.amazonaws.com",
      "EmailFeedback sns.amazonaws.com",
      "OrderPlacement apigateway.amazonaws.com",
      "OrderSuccessHandler events.amazonaws.com",
      "PaymentEvents apigateway.amazonaws.com",
    ]);
    expect(invokePermissions(synthesized, { ...DEFAULTS, customer_emails: "off" })).not.toContain(
      "EmailFeedback sns.amazonaws.com",
    );
  });

  test("an expression form it does not evaluate is refused, never skipped", () => {
    const json = JSON.parse(JSON.stringify(synthesized.json)) as {
      resource: Record<string, Record<string, Record<string, unknown>>>;
    };
    const policies = json.resource.aws_iam_role_policy;
    const name = Object.keys(policies).find((n) => n.startsWith("ProcessPayment_Role_Policy"))!;
    policies[name].policy = '${file("policy.json")}';
    expect(() => enforcedRoles({ ...synthesized, json }, DEFAULTS)).toThrow(UnreadablePolicy);
    expect(() => enforcedRoles({ ...synthesized, json }, DEFAULTS)).toThrow(/file\("policy.json"\)/);
  });
});

describe("the IAM checks an AWS call implies", () => {
  const orders = tableArn("local-orders");
  const inventory = tableArn("local-inventory");

  test("each item of a transaction is checked with its own action on its own table", () => {
    expect(
      dynamoDbChecks("TransactWriteItems", {
        TransactItems: [
          { Update: { TableName: "local-inventory" } },
          { ConditionCheck: { TableName: "local-orders" } },
          { Put: { TableName: "local-orders" } },
          { Delete: { TableName: "local-order-keys" } },
        ],
      }),
    ).toEqual([
      { action: "dynamodb:UpdateItem", resource: inventory },
      { action: "dynamodb:ConditionCheckItem", resource: orders },
      { action: "dynamodb:PutItem", resource: orders },
      { action: "dynamodb:DeleteItem", resource: tableArn("local-order-keys") },
    ]);
  });

  test("a query on an index is checked on the index's ARN; batches on each table", () => {
    expect(dynamoDbChecks("Query", { TableName: "local-orders", IndexName: "by-status" })).toEqual([
      { action: "dynamodb:Query", resource: `${orders}/index/by-status` },
    ]);
    expect(dynamoDbChecks("Query", { TableName: "local-orders" })).toEqual([
      { action: "dynamodb:Query", resource: orders },
    ]);
    expect(
      dynamoDbChecks("BatchGetItem", { RequestItems: { "local-inventory": {}, "local-orders": {} } }),
    ).toEqual([
      { action: "dynamodb:BatchGetItem", resource: inventory },
      { action: "dynamodb:BatchGetItem", resource: orders },
    ]);
    expect(dynamoDbChecks("GetItem", { TableName: "local-orders" })).toEqual([
      { action: "dynamodb:GetItem", resource: orders },
    ]);
  });

  test("a publish to the encrypted topics needs the key; a templated send the identity, set and template", () => {
    expect(snsPublishChecks("arn:topic").map((c) => c.action)).toEqual([
      "sns:Publish",
      "kms:GenerateDataKey",
      "kms:Decrypt",
    ]);
    expect(sendEmailChecks({ identityArn: "i", configurationSetArn: "c", templateArn: "t" })).toEqual(
      ["i", "c", "t"].map((resource) => ({ action: "ses:SendEmail", resource })),
    );
  });
});
