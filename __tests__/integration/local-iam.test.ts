/**
 * Local IAM is real: with a stack that lacks one permission, the call that needs it is denied as AWS
 * denies it and the order takes the failure path. (That every call the system makes is allowed is
 * proven by every other local test: startTestSystem fails a test on any denial.)
 */
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import type { ServiceRole } from "../../stacks/constructs/policy";
import type { OrderSystemStack } from "../../stacks/order-system-stack";
import type { FunctionId } from "../../lambdas/platform/contracts";
import { startTestSystem, type TestSystem } from "../support/local-system";
import { freePort, startRuntime } from "../support/runtime-process";

jest.setTimeout(60_000);

const functionRole = (id: FunctionId) => (stack: OrderSystemStack) => stack.functions[id].role;
const workflowRole = (stack: OrderSystemStack) =>
  stack.node.findChild("Workflow").node.findChild("Role") as ServiceRole;

/** The stack with one action taken out of one statement of a role's policy. */
function withoutAction(roleOf: (stack: OrderSystemStack) => ServiceRole, sid: string, action: string) {
  return (stack: OrderSystemStack) => {
    const document = roleOf(stack).permissions!;
    const statements = document.statementInput as DataAwsIamPolicyDocumentStatement[];
    if (!statements.some((s) => s.sid === sid)) throw new Error(`The role has no statement ${sid}`);
    document.putStatement(
      statements.map((s) =>
        s.sid === sid ? { ...s, actions: (s.actions ?? []).filter((a) => a !== action) } : s,
      ),
    );
  };
}

const ORDER = {
  customerEmail: "buyer@example.com",
  items: [{ productId: "SKU-1001", quantity: 1 }],
  paymentToken: "tok_visa",
};

describe("a stack without ProcessPayment's dynamodb:UpdateItem on the orders table", () => {
  let t: TestSystem;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestSystem({
      iamStackVariant: withoutAction(functionRole("ProcessPayment"), "RecordPayments", "dynamodb:UpdateItem"),
      expectIamDenials: true,
      log: (line) => lines.push(line),
    });
  });
  afterAll(() => t?.stop());

  test("the order fails: the payment cannot be recorded, nothing is charged or taken from stock", async () => {
    const stockBefore = await t.stockOf("SKU-1001");
    const placed = await t.placeOrder(ORDER);
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;
    const final = await t.waitForFinalStatus(orderId);

    expect(final.status).toBe("FAILED");
    expect(await t.stockOf("SKU-1001")).toBe(stockBefore);
    const denial =
      "IAM denied ProcessPayment (local-process-payment-role): dynamodb:UpdateItem on " +
      "arn:aws:dynamodb:us-east-1:000000000000:table/local-orders";
    expect(t.system.iamDenials()).toContain(denial);
    expect(lines).toContain(denial);
    // The handler saw what AWS would have sent it, and the workflow ran its failure path.
    expect(
      lines.some((l) => l.includes(`order ${orderId} ProcessPayment raised AccessDeniedException`)),
    ).toBe(true);
    const failures = t.system.notifications.list().filter((n) => n.message.includes(orderId));
    expect(failures.map((n) => n.topic)).toContain("OrderErrorNotificationTopic");
  });

  test("GET /_local/iam shows enforcement on and the denial", async () => {
    const reply = await fetch(`${t.system.url}/_local/iam`);
    const body = (await reply.json()) as { enforced: boolean; denials: string[] };
    expect(body.enforced).toBe(true);
    expect(body.denials.some((d) => d.startsWith("IAM denied ProcessPayment"))).toBe(true);
  });
});

describe("a stack without the workflow's lambda:InvokeFunction", () => {
  test("the first task is denied to the state machine's role, and the order fails", async () => {
    const t = await startTestSystem({
      iamStackVariant: withoutAction(workflowRole, "InvokeWorkflowFunctions", "lambda:InvokeFunction"),
      expectIamDenials: true,
    });
    try {
      const placed = await t.placeOrder(ORDER);
      const final = await t.waitForFinalStatus(placed.body.orderId as string);
      expect(final.status).toBe("FAILED");
      expect(t.system.iamDenials()[0]).toMatch(
        /^IAM denied Workflow \(local-order-processing-role\): lambda:InvokeFunction on arn:aws:lambda:us-east-1:000000000000:function:local-validate-order$/,
      );
    } finally {
      await t.stop();
    }
  });
});

test("with iam off (--no-iam) the same stack allows everything", async () => {
  const t = await startTestSystem({
    iam: false,
    iamStackVariant: withoutAction(functionRole("ProcessPayment"), "RecordPayments", "dynamodb:UpdateItem"),
  });
  try {
    const placed = await t.placeOrder(ORDER);
    expect((await t.waitForFinalStatus(placed.body.orderId as string)).status).toBe("CONFIRMED");
    expect(t.system.iamEnforced).toBe(false);
  } finally {
    await t.stop();
  }
});

test("npm start -- --no-iam says in its banner that IAM is not enforced, and /_local/iam agrees", async () => {
  const runtime = await startRuntime({ port: await freePort(), args: ["--no-iam"] });
  try {
    expect(runtime.output()).toContain("IAM: not enforced (--no-iam): every AWS call is allowed.");
    const body = (await (await fetch(`${runtime.url}/_local/iam`)).json()) as { enforced: boolean };
    expect(body.enforced).toBe(false);
    // The banner's console URL opens the console (sign-in on: this machine only).
    const consoleUrl = `${runtime.url}/_local/console`;
    expect(runtime.output()).toContain(
      `Console (watch orders move, place test orders): ${consoleUrl}  (this machine only)`,
    );
    const page = await fetch(consoleUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("local console");
  } finally {
    runtime.child.kill("SIGTERM");
    await runtime.exited();
  }
});

describe("triggers use their deployed permissions", () => {
  test("without the rule's aws_lambda_permission, confirmations cannot be delivered and are dead-lettered", async () => {
    const t = await startTestSystem({
      iamStackVariant: (stack) => {
        const permission = stack.node
          .findAll()
          .find((c) => c instanceof LambdaPermission && c.node.path.includes("/Events/"));
        (permission as LambdaPermission).addOverride("count", 0);
      },
      expectIamDenials: true,
    });
    try {
      const placed = await t.placeOrder(ORDER);
      const orderId = placed.body.orderId as string;
      await waitFor(() => t.system.confirmationDeadLetters().length > 0);
      expect(t.system.confirmationDeadLetters()[0].detail).toMatchObject({ name: orderId });
      expect(t.system.iamDenials()[0]).toBe(
        "IAM denied events.amazonaws.com may not invoke " +
          "arn:aws:lambda:us-east-1:000000000000:function:local-order-success-handler: " +
          "no aws_lambda_permission lets it (lambda:InvokeFunction)",
      );
    } finally {
      await t.stop();
    }
  });

  test("without sqs:ReceiveMessage on OrdersQueue, the event source mapping cannot be created: the runtime refuses to start", async () => {
    await expect(
      startTestSystem({
        iamStackVariant: withoutAction(
          functionRole("StartOrderProcessing"),
          "ConsumeOrdersQueue",
          "sqs:ReceiveMessage",
        ),
      }),
    ).rejects.toThrow(
      /StartOrderProcessing event source mapping cannot be created: the provided execution role does not have permissions to call ReceiveMessage on SQS/,
    );
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("Timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
}
