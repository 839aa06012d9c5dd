/**
 * Everything wired to the workflow follows from its definition: the state machine role (stack) and
 * the local task bindings. A new Task state needs no other edit; a Task naming no known function fails.
 */
import { FUNCTIONS, type FunctionId } from "../../lambdas/platform/contracts";
import type { WorkflowDefinition } from "../../lambdas/workflow/definition";
import { workflowTasks } from "../../lambdas/workflow/tasks";
import {
  localFunctionArn,
  LOCAL_EVENT_BUS_ARN,
  LOCAL_TABLES,
  LOCAL_TOPICS,
} from "../../local/runtime/resources";
import { bindWorkflowTasks, localWorkflowDefinition, type TaskTargets } from "../../local/sfn/workflow";
import { workflowRoleStatements } from "../../stacks/constructs/order-workflow";
import { LocalTaskTokens } from "../../local/sfn/task-tokens";

const TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/local-orders";
const KEY_ARN = "arn:aws:kms:us-east-1:000000000000:key/k";
const tableArns = new Map([[LOCAL_TABLES.orders, TABLE_ARN]]);

function recordingTargets() {
  const calls: { target: string; input: unknown }[] = [];
  const targets: TaskTargets = {
    invokeFunction: async (id: FunctionId, input: unknown) => {
      calls.push({ target: id, input });
      return { ok: true };
    },
    notifications: {
      publish: (topicArn: string) => {
        calls.push({ target: topicArn, input: null });
        return { MessageId: "m" };
      },
    },
    dynamodb: {
      send: (async (command: { input: unknown }) => {
        calls.push({ target: "dynamodb", input: command.input });
        return {};
      }) as unknown as TaskTargets["dynamodb"]["send"],
    },
    putEvents: async (entries) => {
      calls.push({ target: "events", input: entries });
    },
    tokens: new LocalTaskTokens(),
    putMetricData: (namespace, data) => {
      calls.push({ target: "cloudwatch", input: { namespace, data } });
    },
  };
  return { calls, targets };
}

/** The definition with one more Task: a fraud check before payment, run by ValidateOrder's ARN shape. */
function withExtraTask(
  definition: WorkflowDefinition,
  resource: string,
  extra: Record<string, unknown> = {},
) {
  return {
    ...definition,
    States: { ...definition.States, FraudCheck: { Type: "Task", Resource: resource, End: true, ...extra } },
  };
}

const actionsOn = (definition: WorkflowDefinition) =>
  workflowRoleStatements(definition, tableArns, KEY_ARN).flatMap((s) =>
    (s.resources ?? []).flatMap((r) => (s.actions ?? []).map((a) => `${a} ${r}`)),
  );

test("the role invokes exactly the functions, topics and table the definition's Tasks name", () => {
  const definition = localWorkflowDefinition();
  const granted = actionsOn(definition);
  // The workflow's steps, and the function its waiting payment step invokes with a task token.
  const workflowFunctions = FUNCTIONS.filter(
    (f) => f.trigger === "workflow" || f.trigger === "paymentEvents",
  ).map((f) => f.id);
  expect(workflowFunctions).toEqual(
    expect.arrayContaining(["ValidateOrder", "ProcessPayment", "UpdateInventory", "PaymentEvents"]),
  );
  for (const id of workflowFunctions) {
    expect(granted).toContain(`lambda:InvokeFunction ${localFunctionArn(id)}`);
  }
  const invoked = granted.filter((g) => g.startsWith("lambda:InvokeFunction "));
  expect(invoked).toHaveLength(workflowFunctions.length);
  expect(granted).not.toContain(`lambda:InvokeFunction ${localFunctionArn("OrderPlacement")}`);
  expect(granted).toContain(`sns:Publish ${LOCAL_TOPICS.OrderErrorNotificationTopic}`);
  expect(granted).toContain(`sns:Publish ${LOCAL_TOPICS.CriticalAlertsTopic}`);
  expect(granted).not.toContain(`sns:Publish ${LOCAL_TOPICS.OrderAlertsTopic}`);
  expect(granted).toContain(`dynamodb:UpdateItem ${TABLE_ARN}`);
  expect(granted).toContain(`kms:GenerateDataKey ${KEY_ARN}`);
});

test("STANDARD puts no events; EXPRESS may put events on the default bus and nowhere else", () => {
  expect(actionsOn(localWorkflowDefinition("STANDARD")).filter((g) => g.startsWith("events:"))).toEqual([]);
  expect(actionsOn(localWorkflowDefinition("EXPRESS")).filter((g) => g.startsWith("events:"))).toEqual([
    `events:PutEvents ${LOCAL_EVENT_BUS_ARN}`,
  ]);
});

test("EXPRESS: the announce Tasks are bound to the local bus, with the event's entries", async () => {
  const definition = localWorkflowDefinition("EXPRESS");
  const { calls, targets } = recordingTargets();
  const bound = bindWorkflowTasks(definition, targets);
  const entries = [{ EventBusName: LOCAL_EVENT_BUS_ARN, Source: "s", DetailType: "d", Detail: {} }];
  const result = await (bound.AnnounceOrderConfirmed as (input: unknown) => Promise<unknown>)({
    Entries: entries,
  });
  expect(calls).toEqual([{ target: "events", input: entries }]);
  expect(result).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
});

test("a Task added to the definition is granted and bound locally with no other edit", async () => {
  const fraudCheck = localFunctionArn("SeedInventory"); // any declared function stands in for a new one
  const definition = withExtraTask(localWorkflowDefinition(), fraudCheck);
  expect(actionsOn(definition)).toContain(`lambda:InvokeFunction ${fraudCheck}`);
  const { calls, targets } = recordingTargets();
  const bound = bindWorkflowTasks(definition, targets);
  expect(Object.keys(bound)).toContain("FraudCheck");
  await (bound.FraudCheck as (input: unknown) => Promise<unknown>)({ orderId: "o-1" });
  expect(calls).toEqual([{ target: "SeedInventory", input: { orderId: "o-1" } }]);
});

test("a new SNS Task's topic is granted, and the encrypted topics' key with it", () => {
  const alarmTopic = "arn:aws:sns:us-east-1:000000000000:new-topic";
  const definition = withExtraTask(localWorkflowDefinition(), "arn:aws:states:::sns:publish", {
    Parameters: { TopicArn: alarmTopic, Message: "m" },
  });
  expect(actionsOn(definition)).toContain(`sns:Publish ${alarmTopic}`);
});

test("every Task state of the definition is bound locally, to the target its Resource names", async () => {
  const definition = localWorkflowDefinition();
  const { calls, targets } = recordingTargets();
  const bound = bindWorkflowTasks(definition, targets);
  const tasks = workflowTasks(definition);
  expect(Object.keys(bound).sort()).toEqual(tasks.map((t) => t.state).sort());
  await (bound.ValidateOrder as (input: unknown) => Promise<unknown>)({ orderId: "o" });
  await (bound.NotifyOrderFailure as (input: unknown) => Promise<unknown>)({
    TopicArn: LOCAL_TOPICS.OrderErrorNotificationTopic,
  });
  await (bound.OrderFailed as (input: unknown) => Promise<unknown>)({ TableName: LOCAL_TABLES.orders });
  expect(calls.map((c) => c.target)).toEqual([
    "ValidateOrder",
    LOCAL_TOPICS.OrderErrorNotificationTopic,
    "dynamodb",
  ]);
});

// In the stack, a Task names its function through functionArn(id), typed by the contracts' ids: an
// undeclared function does not compile. Locally, an ARN that maps to no contract is refused:
test("a Task naming a function no contract declares fails loudly when the local runtime binds it", () => {
  const unknown = "arn:aws:lambda:us-east-1:000000000000:function:local-not-declared-anywhere";
  const definition = withExtraTask(localWorkflowDefinition(), unknown);
  expect(() => bindWorkflowTasks(definition, recordingTargets().targets)).toThrow(
    `${unknown} is not a function of lambdas/platform/contracts.ts`,
  );
});

test("an integration the wiring does not know, or a table whose ARN was not given, fails loudly", () => {
  const definition = withExtraTask(localWorkflowDefinition(), "arn:aws:states:::sqs:sendMessage");
  expect(() => workflowTasks(definition)).toThrow("Task FraudCheck uses arn:aws:states:::sqs:sendMessage");
  expect(() => workflowRoleStatements(localWorkflowDefinition(), new Map(), KEY_ARN)).toThrow(
    "The workflow updates table local-orders, whose ARN was not given.",
  );
});

test("every function triggered by the workflow is a Task of the definition, and only those", () => {
  const invoked = new Set(
    workflowTasks(localWorkflowDefinition()).flatMap((t) => (t.kind === "lambda" ? [t.functionArn] : [])),
  );
  const declared = new Set(
    FUNCTIONS.filter((f) => f.trigger === "workflow").map((f) => localFunctionArn(f.id)),
  );
  expect(invoked).toEqual(declared);
});
