/**
 * A workflow step whose function returns nothing runs locally as on AWS: Lambda answers null, the
 * step succeeds and its ResultPath holds null. The runtime logs each step generically, by state name,
 * and a fault in its own logging is reported as the runtime's, never as the step's error.
 */
import type { FunctionId } from "../../lambdas/platform/contracts";
import type { WorkflowDefinition } from "../../lambdas/workflow/definition";
import type { LocalFunctions } from "../../local/lambda/functions";
import { localFunctionArn } from "../../local/runtime/resources";
import type { Execution } from "../../local/sfn/interpreter";
import { localWorkflowDefinition, startWorkflowService } from "../../local/sfn/workflow";
import { LocalNotifications } from "../../local/sns/notifications";

/** The stack's definition with one more step after the payment: AuditOrder, whose function returns nothing. */
function withAuditStep(): WorkflowDefinition {
  const definition = localWorkflowDefinition();
  const states = definition.States as Record<string, Record<string, unknown>>;
  return {
    ...definition,
    States: {
      ...definition.States,
      ProcessPayment: { ...states.ProcessPayment, Next: "AuditOrder" },
      AuditOrder: {
        Type: "Task",
        Resource: localFunctionArn("ReconcileOrders"),
        ResultPath: "$.audit",
        Next: "PaymentSettled",
      },
    },
  } as WorkflowDefinition;
}

/** Fake functions by id: the happy path answers `{}`, the audit step nothing at all. */
function fakeFunctions(
  audit: () => Promise<unknown>,
  validate: () => Promise<unknown> = async () => ({ totalMinor: 100, currency: "USD", lines: [], items: [] }),
): LocalFunctions {
  const handlers: Partial<Record<FunctionId, (input: unknown) => Promise<unknown>>> = {
    ValidateOrder: validate,
    ProcessPayment: async () => ({ status: "CHARGED" }),
    UpdateInventory: async () => ({ inventory: "reserved" }),
    ReconcileOrders: audit,
  };
  return { handler: (id: FunctionId) => handlers[id] } as unknown as LocalFunctions;
}

async function run(
  audit: () => Promise<unknown>,
  log: (line: string) => void = () => undefined,
  validate?: () => Promise<unknown>,
) {
  let finished: Execution | undefined;
  const service = startWorkflowService({
    functions: fakeFunctions(audit, validate),
    notifications: new LocalNotifications(),
    dynamodb: { send: async () => ({}) } as never,
    retryIntervalMs: 1,
    onFinished: (execution) => (finished = execution),
    putEvents: async () => undefined,
    log,
    definition: withAuditStep(),
  });
  service.workflow.startExecution("order-1", { orderId: "order-1" });
  await service.workflow.idle();
  await new Promise((r) => setTimeout(r, 20));
  return { execution: finished!, steps: service.workflow.stepsOf(finished!.executionArn)!, service };
}

test("a step whose function returns nothing succeeds with null, and the order goes on", async () => {
  const lines: string[] = [];
  const { execution, steps } = await run(
    async () => undefined,
    (line) => lines.push(line),
  );
  expect(execution.status).toBe("SUCCEEDED");
  expect(JSON.parse(execution.output!)).toMatchObject({ audit: null, inventory: { inventory: "reserved" } });
  expect(steps.map((s) => [s.state, s.status])).toEqual([
    ["ValidateOrder", "succeeded"],
    ["ProcessPayment", "succeeded"],
    ["AuditOrder", "succeeded"],
    ["PaymentSettled", "succeeded"],
    ["UpdateInventory", "succeeded"],
  ]);
  expect(lines).toContainEqual(expect.stringMatching(/^order order-1 AuditOrder succeeded in \d+ ms$/));
});

test("a step that throws something other than an Error fails with its own error, not the runtime's", async () => {
  const lines: string[] = [];
  const { execution, steps } = await run(
    async () => {
      throw "not an Error";
    },
    (line) => lines.push(line),
  );
  const audit = steps.find((s) => s.state === "AuditOrder")!;
  // The added step has no Catch: the execution fails with the step's own error.
  expect(audit.status).toBe("failed");
  expect(audit.error).toBe("Error");
  expect(lines).toContain("order order-1 AuditOrder raised Error: not an Error");
  expect(execution.error).toBe("Error");
  expect(lines.join("\n")).not.toMatch(/SyntaxError/);
});

test("a fault in the runtime's step log is reported as the runtime's and changes nothing", async () => {
  const lines: string[] = [];
  const { execution } = await run(
    async () => undefined,
    (line) => {
      if (line.includes("AuditOrder succeeded")) throw new Error("log sink broke");
      lines.push(line);
    },
  );
  expect(execution.status).toBe("SUCCEEDED");
  expect(lines).toContainEqual(
    expect.stringContaining("local runtime fault while logging AuditOrder of order-1: Error: log sink broke"),
  );
});

test("an unexpected failure is counted as the workflow's UnexpectedOrderFailures (the local alarm's metric); a business one is not", async () => {
  const noAudit = async () => undefined;
  const unexpected = await run(noAudit, undefined, async () => {
    throw new Error("inventory store unreachable");
  });
  expect(unexpected.execution.status).toBe("FAILED");
  expect(unexpected.service.metricTimes("UnexpectedOrderFailures")).toHaveLength(1);
  const business = await run(noAudit, undefined, async () => {
    throw Object.assign(new Error("Unknown product."), { name: "ProductNotFound" });
  });
  expect(business.execution.status).toBe("FAILED");
  expect(business.service.metricTimes("UnexpectedOrderFailures")).toHaveLength(0);
});
