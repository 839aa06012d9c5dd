/**
 * The state machine definition from the shared builder: valid ASL, and its saga behaviour run for
 * real with aws-local-stepfunctions, tasks replaced by scripted Lambda-shaped handlers.
 */
import validator from "asl-validator";
import { StateMachine } from "aws-local-stepfunctions";
import {
  BUSINESS_ERRORS,
  BusinessError,
  LAMBDA_SERVICE_ERRORS,
  TRANSIENT_ERRORS,
  UNREACHABLE_ERRORS,
  TransientError,
} from "../../lambdas/platform/errors";
import {
  buildOrderWorkflowDefinition,
  EXPRESS_INTEGRATION_TIMEOUT_SECONDS,
  HAPPY_PATH,
  STATES,
  type WorkflowDefinition,
} from "../../lambdas/workflow/definition";
import { workflowTasks } from "../../lambdas/workflow/tasks";
import { worstCasePath, type TaskBound } from "../../lambdas/workflow/budget";
import { EXPRESS_MAX_DURATION_SECONDS } from "../../lambdas/workflow/type";
import { ORDER_WORKFLOW_EVENT_SOURCE } from "../../lambdas/workflow/events";
import { FUNCTIONS } from "../../lambdas/platform/contracts";
import { asLambdaTask } from "../../local/lambda/host";

const resources = {
  functionArn: (id: string) => `arn:aws:lambda:us-east-1:123456789012:function:${id}`,
  ordersTableName: "orders",
  orderErrorTopicArn: "arn:aws:sns:us-east-1:123456789012:order-errors",
  criticalAlertsTopicArn: "arn:aws:sns:us-east-1:123456789012:critical-alerts",
  eventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/default",
  paymentActionTimeoutSeconds: 1800,
};
const standardDefinition = buildOrderWorkflowDefinition(resources);
const definition = standardDefinition;
const ORDER_ID = "0d6f1c8e-2a4b-5c3d-8e9f-0a1b2c3d4e5f";
const PRICED_LINES = [{ productId: "A", name: "A", quantity: 1, unitPriceMinor: 1000, lineTotalMinor: 1000 }];

type Script = (input: Record<string, unknown>, call: number) => unknown;

const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:order-processing:${ORDER_ID}`;
const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:order-processing";

/**
 * One interpreter per definition, validated when built (about 100 ms of asl-validator each time);
 * every run gets its own handlers and context, so runs share nothing else.
 */
const machines = new WeakMap<WorkflowDefinition, StateMachine>();
function machineOf(definition: WorkflowDefinition): StateMachine {
  let machine = machines.get(definition);
  if (!machine) {
    machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    machines.set(definition, machine);
  }
  return machine;
}

async function run(
  scripts: {
    validate?: Script;
    payment?: Script;
    inventory?: Script;
    release?: Script;
    recordFailure?: Script;
    /** The waiting payment step: what SendTaskSuccess gives it, or the SendTaskFailure it throws. */
    awaitOutcome?: Script;
  },
  definition: WorkflowDefinition = standardDefinition,
) {
  const calls: Record<string, Record<string, unknown>[]> = {};
  const record = (name: string, input: Record<string, unknown>) => (calls[name] ??= []).push(input);
  const lambda = (name: string, script: Script) =>
    asLambdaTask(async (input: Record<string, unknown>) => script(input, calls[name]?.length ?? 0));
  const task = (name: string, script: Script) => async (input: unknown) => {
    record(name, input as Record<string, unknown>);
    return lambda(name, script)(input as Record<string, unknown>);
  };
  const recorder = (name: string) => async (input: unknown) => {
    record(name, input as Record<string, unknown>);
    return {};
  };
  const machine = machineOf(definition);
  const paymentScript = scripts.payment ?? (() => ({ status: "CHARGED", chargeId: "ch_1" }));
  const execution = machine.run(
    { orderId: ORDER_ID },
    {
      overrides: {
        taskResourceLocalHandlers: {
          // Task states these tests do not script (a step added later) pass their input through.
          ...Object.fromEntries(workflowTasks(definition).map((t) => [t.state, async () => ({})])),
          [STATES.validateOrder]: task(
            "validate",
            scripts.validate ??
              (() => ({
                orderId: ORDER_ID,
                totalMinor: 1000,
                currency: "USD",
                items: [{ productId: "A", quantity: 1 }],
                lines: PRICED_LINES,
              })),
          ),
          [STATES.processPayment]: task("charge", paymentScript),
          ...(definition.States[STATES.awaitPaymentOutcome]
            ? { [STATES.awaitPaymentOutcome]: task("awaitOutcome", scripts.awaitOutcome ?? (() => ({}))) }
            : {}),
          [STATES.cancelPayment]: task("cancel", () => ({ status: "CANCELED" })),
          [STATES.countUnexpectedFailure]: recorder("countUnexpected"),
          [STATES.refundPayment]: task("refund", paymentScript),
          [STATES.updateInventory]: task(
            "inventory",
            scripts.inventory ?? (() => ({ orderId: ORDER_ID, inventory: "reserved" })),
          ),
          [STATES.orderFailed]: scripts.recordFailure
            ? async (input: unknown) => {
                record("recordFailure", input as Record<string, unknown>);
                return scripts.recordFailure!(input as Record<string, unknown>, calls.recordFailure.length);
              }
            : recorder("recordFailure"),
          [STATES.notifyOrderFailure]: recorder("notifyFailure"),
          [STATES.notifyCompensationFailure]: recorder("notifyCritical"),
          [STATES.releaseInventory]: task(
            "release",
            scripts.release ?? (() => ({ orderId: ORDER_ID, inventory: "nothing-reserved" })),
          ),
          [STATES.notifyReleaseFailure]: recorder("notifyReleaseFailure"),
          ...(definition.States[STATES.announceConfirmed]
            ? {
                [STATES.announceConfirmed]: recorder("announceConfirmed"),
                [STATES.announceFailed]: recorder("announceFailed"),
              }
            : {}),
        } as never,
        retryIntervalOverrides: Object.fromEntries(Object.keys(definition.States).map((s) => [s, 1])),
      },
      context: {
        Execution: { Id: EXECUTION_ARN, Name: ORDER_ID },
        StateMachine: { Id: STATE_MACHINE_ARN, Name: "order-processing" },
        State: { EnteredTime: "2026-01-01T00:00:00.000Z" },
        Task: { Token: "task-token-1" },
      } as never,
    },
  );
  let output: unknown;
  let error: { name?: string; message?: string } | undefined;
  try {
    output = await execution.result;
  } catch (e) {
    error = ((e as { cause?: unknown }).cause ?? e) as { name?: string; message?: string };
  }
  return { calls, output, error };
}

const fail = (name: (typeof BUSINESS_ERRORS)[number], message: string) => () => {
  throw new BusinessError(name, message);
};

/** An error as Step Functions names a DynamoDB integration's failure. */
const dynamoDbError = (name: string) => () => {
  const error = new Error(name);
  error.name = `DynamoDB.${name}`;
  throw error;
};

test("an unreachable database while recording FAILED: retried, then no failure is announced", async () => {
  const { calls, error } = await run({
    validate: fail("ProductNotFound", "Unknown product: X."),
    recordFailure: dynamoDbError("DependencyUnavailable"),
  });
  // The first attempt and MaxAttempts (5) retries.
  expect(calls.recordFailure).toHaveLength(6);
  expect(calls.notifyFailure).toBeUndefined();
  expect(error?.name).toBe("OrderFailureNotRecorded");
});

test("a run for an order that already ended (or never existed) records nothing and announces nothing", async () => {
  const { calls, error } = await run({
    payment: fail("OrderAlreadyFinished", "Order is already CONFIRMED."),
    recordFailure: dynamoDbError("ConditionalCheckFailedException"),
  });
  expect(calls.recordFailure).toHaveLength(1);
  expect(calls.notifyFailure).toBeUndefined();
  expect(error).toBeUndefined();
});

test("passes asl-validator", () => {
  const result = validator(definition);
  expect(result.errors).toEqual([]);
  expect(result.isValid).toBe(true);
});

test("asl-validator rejects a broken definition (the check can fail)", () => {
  const broken = {
    ...definition,
    States: {
      ...definition.States,
      [STATES.validateOrder]: { ...definition.States[STATES.validateOrder], Next: "Nowhere" },
    },
  };
  expect(validator(broken).isValid).toBe(false);
});

test("runs the seed's states in order: ValidateOrder → ProcessPayment → UpdateInventory (once the money settled)", () => {
  expect(definition.StartAt).toBe(HAPPY_PATH[0]);
  expect(definition.States[HAPPY_PATH[0]].Next).toBe(HAPPY_PATH[1]);
  expect(definition.States[HAPPY_PATH[1]].Next).toBe(STATES.paymentSettled);
  expect(definition.States[STATES.paymentSettled]).toMatchObject({
    Type: "Choice",
    Choices: [{ Variable: "$.payment.status", StringEquals: "CHARGED", Next: HAPPY_PATH[2] }],
    Default: STATES.awaitPaymentOutcome,
  });
  expect(definition.States[HAPPY_PATH[2]].End).toBe(true);
});

test("retries only transient errors, with backoff and full jitter; business errors are never retried", () => {
  for (const name of HAPPY_PATH) {
    const retriers = definition.States[name].Retry as {
      ErrorEquals: string[];
      BackoffRate: number;
      JitterStrategy: string;
    }[];
    for (const retrier of retriers) {
      expect(retrier.ErrorEquals).not.toContain("States.ALL");
      for (const business of BUSINESS_ERRORS) expect(retrier.ErrorEquals).not.toContain(business);
      expect(retrier.BackoffRate).toBeGreaterThan(1);
      expect(retrier.JitterStrategy).toBe("FULL");
    }
    expect(retriers.flatMap((r) => r.ErrorEquals)).toEqual(
      expect.arrayContaining([
        "Lambda.ServiceException",
        "Lambda.TooManyRequestsException",
        "DependencyUnavailable",
      ]),
    );
  }
});

test("happy path: charged with the validated total, stock reserved, execution succeeds", async () => {
  const { calls, output, error } = await run({});
  expect(error).toBeUndefined();
  expect(calls.charge).toEqual([
    { action: "charge", orderId: ORDER_ID, amountMinor: 1000, currency: "USD", lines: PRICED_LINES },
  ]);
  expect(calls.inventory).toEqual([{ orderId: ORDER_ID, items: [{ productId: "A", quantity: 1 }] }]);
  expect(output).toMatchObject({
    orderId: ORDER_ID,
    payment: { status: "CHARGED" },
    inventory: { inventory: "reserved" },
  });
  expect(calls.recordFailure).toBeUndefined();
});

test("a business error in ValidateOrder: no charge, failure recorded with its reason, notified, execution fails", async () => {
  const { calls, error } = await run({ validate: fail("ProductNotFound", "Unknown product: X.") });
  expect(calls.validate).toHaveLength(1);
  expect(calls.charge).toBeUndefined();
  expect(calls.recordFailure?.[0]).toMatchObject({
    TableName: "orders",
    Key: { orderId: { S: ORDER_ID } },
    ExpressionAttributeValues: {
      ":failed": { S: "FAILED" },
      ":code": { S: "ProductNotFound" },
      ":reason": { S: "Unknown product: X." },
      ":now": { S: "2026-01-01T00:00:00.000Z" },
      // Recorded as this execution's: its own retry may record it again, another run may not.
      ":execution": { S: EXECUTION_ARN },
    },
  });
  expect(calls.notifyFailure?.[0]).toEqual({
    TopicArn: resources.orderErrorTopicArn,
    Subject: `Order ${ORDER_ID} failed`,
    Message: `Order ${ORDER_ID} failed (ProductNotFound): Unknown product: X.`,
  });
  expect(error?.name).toBe("ProductNotFound");
});

test("a declined card fails fast: one attempt, no refund", async () => {
  const { calls, error } = await run({ payment: fail("PaymentDeclined", "The card was declined.") });
  expect(calls.charge).toHaveLength(1);
  expect(calls.refund).toBeUndefined();
  expect(calls.release).toBeUndefined();
  expect(error?.name).toBe("PaymentDeclined");
});

test("a gateway hiccup is retried and the order goes on", async () => {
  const { calls, error } = await run({
    payment: (_, call) => {
      if (call < 3) throw new TransientError("PaymentGatewayUnavailable", "hiccup");
      return { status: "CHARGED", chargeId: "ch_1" };
    },
  });
  expect(error).toBeUndefined();
  expect(calls.charge).toHaveLength(3);
});

test("a gateway that never recovers fails the order after the retries, with a readable reason", async () => {
  const { calls, error } = await run({
    payment: () => {
      throw new TransientError("PaymentGatewayUnavailable", "down");
    },
  });
  expect(calls.charge).toHaveLength(5);
  expect(calls.recordFailure?.[0].ExpressionAttributeValues).toMatchObject({
    ":reason": {
      S: "The order could not be processed because of an internal error (PaymentGatewayUnavailable).",
    },
  });
  expect(error?.name).toBe("PaymentGatewayUnavailable");
});

test("out of stock after the charge: release stock, refund (compensation), then the failure path", async () => {
  const { calls, error } = await run({ inventory: fail("OutOfStock", "Not enough stock left for A.") });
  expect(calls.inventory).toHaveLength(1);
  expect(calls.release).toEqual([
    { action: "release", orderId: ORDER_ID, items: [{ productId: "A", quantity: 1 }] },
  ]);
  expect(calls.refund).toEqual([{ action: "refund", orderId: ORDER_ID }]);
  expect(calls.charge).toHaveLength(1);
  expect(calls.recordFailure?.[0].ExpressionAttributeValues).toMatchObject({ ":code": { S: "OutOfStock" } });
  expect(calls.notifyCritical).toBeUndefined();
  expect(error?.name).toBe("OutOfStock");
});

test("a stock release that fails is alerted, and the payment is still refunded", async () => {
  const { calls, error } = await run({
    inventory: fail("OutOfStock", "Not enough stock left for A."),
    release: () => {
      throw new Error("table unavailable");
    },
  });
  // An unexpected error is not retried (only transient ones are).
  expect(calls.release).toHaveLength(1);
  expect(calls.notifyReleaseFailure?.[0]).toMatchObject({
    TopicArn: resources.criticalAlertsTopicArn,
    Subject: `Stock release failed for order ${ORDER_ID}`,
    Message: expect.stringContaining("table unavailable"),
  });
  expect(calls.refund).toEqual([{ action: "refund", orderId: ORDER_ID }]);
  expect(calls.recordFailure).toHaveLength(1);
  expect(error?.name).toBe("OutOfStock");
});

test("a failed refund alerts CriticalAlertsTopic and the order still ends FAILED", async () => {
  const { calls, error } = await run({
    inventory: fail("OutOfStock", "Not enough stock left for A."),
    payment: (input) => {
      if (input.action === "refund") throw new Error("gateway refused the refund");
      return { status: "CHARGED", chargeId: "ch_1" };
    },
  });
  expect(calls.notifyCritical?.[0]).toMatchObject({
    TopicArn: resources.criticalAlertsTopicArn,
    Subject: `Refund failed for order ${ORDER_ID}`,
    Message: expect.stringContaining("gateway refused the refund"),
  });
  // An unexpected refund failure is not retried: a refund is attempted once, then a person is paged.
  expect(calls.refund).toHaveLength(1);
  expect(calls.release).toHaveLength(1);
  expect(calls.recordFailure).toHaveLength(1);
  expect(calls.notifyFailure).toHaveLength(1);
  expect(error?.name).toBe("OutOfStock");
});

test("a refund the gateway cannot make for a while is retried, then alerted: never more than its retries", async () => {
  const { calls, error } = await run({
    inventory: fail("OutOfStock", "Not enough stock left for A."),
    payment: (input) => {
      if (input.action === "refund") throw new TransientError("PaymentGatewayUnavailable", "down");
      return { status: "CHARGED", chargeId: "ch_1" };
    },
  });
  expect(calls.charge).toHaveLength(1);
  // The first attempt and MaxAttempts (5) retries.
  expect(calls.refund).toHaveLength(6);
  expect(calls.notifyCritical).toHaveLength(1);
  expect(error?.name).toBe("OutOfStock");
});

/** Every Task state's retry policy and failure route, written out: a change to any of them fails here. */
const TASK_POLICIES: Record<
  string,
  {
    retry: { on: string; attempts: number }[];
    catchTo?: string;
    resultPath?: string;
    catches?: { ErrorEquals: string[]; Next: string; ResultPath: string }[];
  }
> = {
  [STATES.validateOrder]: {
    retry: [
      { on: "unreachable", attempts: 6 },
      { on: "transient", attempts: 3 },
    ],
    catchTo: STATES.classifyFailure,
    resultPath: "$.error",
  },
  [STATES.processPayment]: {
    retry: [
      { on: "unreachable", attempts: 6 },
      { on: "transient", attempts: 4 },
    ],
    catchTo: STATES.classifyFailure,
    resultPath: "$.error",
  },
  [STATES.updateInventory]: {
    retry: [
      { on: "unreachable", attempts: 6 },
      { on: "transient", attempts: 3 },
    ],
    catchTo: STATES.releaseInventory,
    resultPath: "$.error",
  },
  [STATES.releaseInventory]: {
    retry: [
      { on: "unreachable", attempts: 6 },
      { on: "transient", attempts: 5 },
    ],
    catchTo: STATES.notifyReleaseFailure,
    resultPath: "$.releaseError",
  },
  [STATES.notifyReleaseFailure]: { retry: [{ on: "any", attempts: 3 }] },
  [STATES.refundPayment]: {
    retry: [
      { on: "unreachable", attempts: 6 },
      { on: "transient", attempts: 5 },
    ],
    catchTo: STATES.notifyCompensationFailure,
    resultPath: "$.compensationError",
  },
  [STATES.notifyCompensationFailure]: { retry: [{ on: "any", attempts: 3 }] },
  [STATES.orderFailed]: {
    retry: [{ on: "dynamodb-throttling", attempts: 5 }],
    // An order already ended (or absent) is left alone; any other failure to record FAILED is not announced.
    catches: [
      {
        ErrorEquals: ["DynamoDB.ConditionalCheckFailedException"],
        Next: STATES.alreadyFinished,
        ResultPath: "$.recordError",
      },
      { ErrorEquals: ["States.ALL"], Next: STATES.countUnrecordedFailure, ResultPath: "$.recordError" },
    ],
  },
  [STATES.notifyOrderFailure]: { retry: [{ on: "any", attempts: 3 }] },
  // Only the invoke is retried; the outcome's timeout and failures go to the payment's cancellation.
  [STATES.awaitPaymentOutcome]: {
    retry: [{ on: "lambda-service", attempts: 3 }],
    catches: [
      { ErrorEquals: ["States.Timeout"], Next: STATES.paymentActionTimedOut, ResultPath: null as never },
      { ErrorEquals: ["States.ALL"], Next: STATES.cancelPayment, ResultPath: "$.error" },
    ],
  },
  [STATES.cancelPayment]: {
    retry: [
      { on: "unreachable", attempts: 6 },
      { on: "transient", attempts: 5 },
    ],
    catchTo: STATES.notifyCancellationFailure,
    resultPath: "$.cancellationError",
  },
  [STATES.notifyCancellationFailure]: { retry: [{ on: "any", attempts: 3 }] },
  // Best effort: the failure is recorded whether or not the count lands.
  [STATES.countUnexpectedFailure]: {
    retry: [{ on: "any", attempts: 3 }],
    catches: [{ ErrorEquals: ["States.ALL"], Next: STATES.orderFailed, ResultPath: null as never }],
  },
  [STATES.countUnrecordedFailure]: {
    retry: [{ on: "any", attempts: 3 }],
    catches: [{ ErrorEquals: ["States.ALL"], Next: STATES.failureNotRecorded, ResultPath: null as never }],
  },
};

const TRANSIENT = [...LAMBDA_SERVICE_ERRORS, ...TRANSIENT_ERRORS];
const DYNAMODB_THROTTLING = [
  "DynamoDB.ProvisionedThroughputExceededException",
  "DynamoDB.ThrottlingException",
  "DynamoDB.InternalServerErrorException",
  "DynamoDB.DependencyUnavailable",
];
const errorsOf = {
  "lambda-service": [...LAMBDA_SERVICE_ERRORS],
  unreachable: [...UNREACHABLE_ERRORS],
  transient: TRANSIENT,
  any: ["States.ALL"],
  "dynamodb-throttling": DYNAMODB_THROTTLING,
};

test("every Task state has a written-out retry policy and failure route (a new Task must add its own)", () => {
  const tasks = Object.entries(definition.States)
    .filter(([, state]) => state.Type === "Task")
    .map(([name]) => name);
  expect(tasks.sort()).toEqual(Object.keys(TASK_POLICIES).sort());
});

test.each(Object.entries(TASK_POLICIES))("%s retries and catches exactly as written", (name, policy) => {
  const state = definition.States[name] as {
    Retry?: { ErrorEquals: string[]; MaxAttempts: number; BackoffRate: number; JitterStrategy: string }[];
    Catch?: { ErrorEquals: string[]; Next: string; ResultPath: string }[];
  };
  expect(
    (state.Retry ?? []).map((r) => ({ ErrorEquals: [...r.ErrorEquals].sort(), MaxAttempts: r.MaxAttempts })),
  ).toEqual(
    policy.retry.map((r) => ({
      ErrorEquals: [...errorsOf[r.on as keyof typeof errorsOf]].sort(),
      MaxAttempts: r.attempts,
    })),
  );
  for (const retrier of state.Retry ?? []) {
    expect(retrier.BackoffRate).toBe(2);
    expect(retrier.JitterStrategy).toBe("FULL");
  }
  expect(state.Catch ?? []).toEqual(
    policy.catches ??
      (policy.catchTo
        ? [{ ErrorEquals: ["States.ALL"], Next: policy.catchTo, ResultPath: policy.resultPath }]
        : []),
  );
});

test("no Task that moves money or stock retries on every error (States.ALL)", () => {
  for (const name of [
    STATES.processPayment,
    STATES.refundPayment,
    STATES.updateInventory,
    STATES.releaseInventory,
  ]) {
    const retriers = definition.States[name].Retry as { ErrorEquals: string[] }[];
    for (const retrier of retriers) expect(retrier.ErrorEquals).not.toContain("States.ALL");
  }
});

describe("EXPRESS: the same saga, announcing its own end, within 5 minutes", () => {
  const express = buildOrderWorkflowDefinition(resources, "EXPRESS");
  const FUNCTION_TIMEOUTS = new Map(FUNCTIONS.map((f) => [resources.functionArn(f.id), f.timeoutSeconds]));
  const lambdaBound: TaskBound = (_name, state) => FUNCTION_TIMEOUTS.get(String(state.Resource));

  test("passes asl-validator, with Standard's states plus the two announcements", () => {
    expect(validator(express).errors).toEqual([]);
    // Express cannot wait for a payment's outcome: such a payment is canceled and the order fails.
    const waitOnly: string[] = [STATES.awaitPaymentOutcome, STATES.paymentActionTimedOut];
    expect(Object.keys(express.States).sort()).toEqual(
      [
        ...Object.keys(definition.States).filter((name) => !waitOnly.includes(name)),
        STATES.paymentCannotWait,
        STATES.announceConfirmed,
        STATES.announceFailed,
      ].sort(),
    );
  });

  test("a confirmed order ends by putting one Order Confirmed event on the default bus", async () => {
    const { calls, error } = await run({}, express);
    expect(error).toBeUndefined();
    expect(calls.announceConfirmed).toEqual([
      {
        Entries: [
          {
            EventBusName: resources.eventBusArn,
            Source: ORDER_WORKFLOW_EVENT_SOURCE,
            DetailType: "Order Confirmed",
            Detail: {
              orderId: ORDER_ID,
              status: "SUCCEEDED",
              executionArn: EXECUTION_ARN,
              stateMachineArn: STATE_MACHINE_ARN,
              name: ORDER_ID,
            },
          },
        ],
      },
    ]);
    expect(calls.announceFailed).toBeUndefined();
  });

  test("a failed order is recorded, notified, then announced as Order Failed; the execution fails", async () => {
    const { calls, error } = await run(
      { payment: fail("PaymentDeclined", "The card was declined.") },
      express,
    );
    expect(calls.recordFailure).toHaveLength(1);
    expect(calls.notifyFailure).toHaveLength(1);
    expect(calls.announceFailed).toEqual([
      {
        Entries: [
          expect.objectContaining({
            DetailType: "Order Failed",
            Detail: expect.objectContaining({ orderId: ORDER_ID, status: "FAILED" }),
          }),
        ],
      },
    ]);
    expect(calls.announceConfirmed).toBeUndefined();
    expect(error?.name).toBe("PaymentDeclined");
  });

  test("a second run of a finished order announces nothing", async () => {
    const { calls, error } = await run(
      {
        payment: fail("OrderAlreadyFinished", "Order is already CONFIRMED."),
        recordFailure: dynamoDbError("ConditionalCheckFailedException"),
      },
      express,
    );
    expect(calls.announceFailed).toBeUndefined();
    expect(calls.announceConfirmed).toBeUndefined();
    expect(calls.refund).toBeUndefined();
    expect(error).toBeUndefined();
  });

  test("its worst case (every attempt at its bound, every retry at its longest wait) fits its timeout", () => {
    const { seconds, path } = worstCasePath(express, lambdaBound);
    expect(express.TimeoutSeconds).toBeLessThanOrEqual(EXPRESS_MAX_DURATION_SECONDS);
    expect(seconds).toBeLessThanOrEqual(express.TimeoutSeconds);
    // The slowest path: every Lambda task of the saga fails its way through compensation.
    expect(path).toEqual(
      expect.arrayContaining([STATES.validateOrder, STATES.refundPayment, STATES.announceFailed]),
    );
  });

  test("the budget check can fail: one more retry of ProcessPayment would not fit", () => {
    const payment = express.States[STATES.processPayment];
    const retrier = (payment.Retry as Record<string, unknown>[])[0];
    const greedy = {
      ...express,
      States: {
        ...express.States,
        [STATES.processPayment]: { ...payment, Retry: [{ ...retrier, MaxAttempts: 3 }] },
      },
    };
    expect(worstCasePath(greedy, lambdaBound).seconds).toBeGreaterThan(express.TimeoutSeconds);
  });

  test("every service integration has a timeout; a Lambda task is bounded by its function's", () => {
    for (const [name, state] of Object.entries(express.States)) {
      if (state.Type !== "Task") continue;
      if (String(state.Resource).startsWith("arn:aws:states:::")) {
        expect([name, state.TimeoutSeconds]).toEqual([name, EXPRESS_INTEGRATION_TIMEOUT_SECONDS]);
      } else {
        expect([name, lambdaBound(name, state)]).toEqual([name, expect.any(Number)]);
      }
    }
    expect(() => worstCasePath(definition, lambdaBound)).toThrow("has no TimeoutSeconds and no known bound");
  });

  test("money and stock are never retried on every error in Express either", () => {
    for (const name of [
      STATES.processPayment,
      STATES.refundPayment,
      STATES.updateInventory,
      STATES.releaseInventory,
    ]) {
      for (const retrier of express.States[name].Retry as { ErrorEquals: string[] }[]) {
        expect(retrier.ErrorEquals).not.toContain("States.ALL");
        expect(retrier.ErrorEquals).toEqual(
          expect.arrayContaining([...TRANSIENT_ERRORS, ...UNREACHABLE_ERRORS]),
        );
      }
    }
  });
});

describe("a payment the provider has not settled waits for its outcome (Standard)", () => {
  const pending = (status: string) => () => ({
    orderId: ORDER_ID,
    status,
    chargeId: "pi_1",
    amountMinor: 1000,
  });

  test("the callback step hands PaymentEvents the token, the order and its payment; it waits payment_action_timeout_minutes", () => {
    expect(definition.States[STATES.awaitPaymentOutcome]).toMatchObject({
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: {
        FunctionName: resources.functionArn("PaymentEvents"),
        Payload: {
          action: "await",
          "orderId.$": "$.orderId",
          "chargeId.$": "$.payment.chargeId",
          "taskToken.$": "$$.Task.Token",
        },
      },
      TimeoutSeconds: 1800,
      ResultPath: "$.payment",
      Next: STATES.updateInventory,
    });
    // The execution may last the wait plus Standard's 15 minutes.
    expect(definition.TimeoutSeconds).toBe(900 + 1800);
  });

  test("authenticated (SendTaskSuccess with the charge): stock is reserved and the order goes on", async () => {
    const { calls, output, error } = await run({
      payment: pending("REQUIRES_ACTION"),
      awaitOutcome: () => ({ orderId: ORDER_ID, status: "CHARGED", chargeId: "pi_1", amountMinor: 1000 }),
    });
    expect(error).toBeUndefined();
    expect(calls.awaitOutcome).toEqual([
      {
        FunctionName: resources.functionArn("PaymentEvents"),
        Payload: expect.objectContaining({ action: "await", chargeId: "pi_1" }),
      },
    ]);
    expect(calls.inventory).toHaveLength(1);
    expect(calls.cancel).toBeUndefined();
    expect(output).toMatchObject({ payment: { status: "CHARGED" } });
  });

  test("the provider says it failed (SendTaskFailure PaymentFailed): canceled, nothing reserved, a business failure, nothing paged", async () => {
    const { calls, error } = await run({
      payment: pending("PROCESSING"),
      awaitOutcome: fail("PaymentFailed", "The card's authentication (3-D Secure) failed."),
    });
    expect(calls.inventory).toBeUndefined();
    expect(calls.cancel).toEqual([{ action: "cancel", orderId: ORDER_ID, reason: "PaymentFailed" }]);
    expect(calls.recordFailure[0]).toMatchObject({
      ExpressionAttributeValues: {
        ":code": { S: "PaymentFailed" },
        ":reason": { S: "The card's authentication (3-D Secure) failed." },
      },
    });
    expect(calls.countUnexpected).toBeUndefined();
    expect(error?.name).toBe("PaymentFailed");
  });

  test("no outcome within the timeout: States.Timeout → canceled at the provider → FAILED as not completed", async () => {
    const short: WorkflowDefinition = {
      ...standardDefinition,
      States: {
        ...standardDefinition.States,
        [STATES.awaitPaymentOutcome]: {
          ...standardDefinition.States[STATES.awaitPaymentOutcome],
          TimeoutSeconds: 1,
        },
      },
    };
    const { calls, error } = await run(
      { payment: pending("REQUIRES_ACTION"), awaitOutcome: () => new Promise(() => undefined) },
      short,
    );
    expect(calls.cancel).toEqual([{ action: "cancel", orderId: ORDER_ID, reason: "PaymentActionTimedOut" }]);
    expect(calls.inventory).toBeUndefined();
    expect(calls.recordFailure[0]).toMatchObject({
      ExpressionAttributeValues: {
        ":code": { S: "PaymentActionTimedOut" },
        ":reason": { S: "The payment authentication was not completed in time." },
      },
    });
    expect(calls.countUnexpected).toBeUndefined();
    expect(error?.name).toBe("PaymentActionTimedOut");
  });

  test("an unexpected failure is counted for the page (UnexpectedOrderFailures); a declined card is not", async () => {
    const unexpected = await run({
      payment: () => {
        throw new Error("boom");
      },
    });
    expect(unexpected.calls.countUnexpected).toHaveLength(1);
    expect(definition.States[STATES.countUnexpectedFailure]).toMatchObject({
      Resource: "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
      Parameters: {
        Namespace: "EcommerceOrders",
        MetricData: [{ MetricName: "UnexpectedOrderFailures", Value: 1 }],
      },
    });
    const declined = await run({ payment: fail("PaymentDeclined", "The card was declined.") });
    expect(declined.calls.countUnexpected).toBeUndefined();
    expect(declined.error?.name).toBe("PaymentDeclined");
  });
});

test("EXPRESS cannot wait: a payment that needs the customer is canceled and the order fails as PaymentRequiresAction", async () => {
  const express = buildOrderWorkflowDefinition(resources, "EXPRESS");
  expect(JSON.stringify(express)).not.toContain("waitForTaskToken");
  const { calls, error } = await run(
    {
      payment: () => ({ orderId: ORDER_ID, status: "REQUIRES_ACTION", chargeId: "pi_1", amountMinor: 1000 }),
    },
    express,
  );
  expect(calls.cancel).toHaveLength(1);
  expect(calls.inventory).toBeUndefined();
  expect(error?.name).toBe("PaymentRequiresAction");
});
