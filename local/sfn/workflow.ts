/**
 * Local Step Functions: the state machine definition the stack deploys, built with local ARNs and run
 * by aws-local-stepfunctions. Each Task state is bound from its Resource, as AWS resolves it: a Lambda
 * ARN runs that function's bundle, `sns:publish` publishes to local SNS, `dynamodb:updateItem` sends
 * the resolved Parameters to the local DynamoDB. No state names are listed here.
 */
import {
  UpdateItemCommand,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import type { FunctionId } from "../../lambdas/contracts";
import { isUnreachable } from "../../lambdas/shared/errors";
import type { WorkflowStarter } from "../../lambdas/shared/ports";
import {
  buildOrderWorkflowDefinition,
  type WorkflowDefinition,
} from "../../lambdas/shared/workflow-definition";
import { workflowTasks, type WorkflowTask } from "../../lambdas/shared/workflow-tasks";
import { DEFAULT_WORKFLOW_TYPE, type WorkflowType } from "../../lambdas/shared/workflow-type";
import { asLambdaTask } from "../lambda/host";
import type { LocalFunctions } from "../lambda/functions";
import { functionIdForArn, LOCAL_WORKFLOW_RESOURCES, STATE_MACHINE_NAME } from "../runtime/resources";
import {
  ExecutionAlreadyExistsError,
  LocalWorkflow,
  type Execution,
  type LocalWorkflowOptions,
  type TaskHandler,
} from "./interpreter";
import type { LocalNotifications } from "../sns/notifications";
import type { Meter } from "../meter/meter";
import type { LocalService } from "../runtime/service";

/** The definition as the local runtime runs it: the stack's builder with local ARNs and names. */
export function localWorkflowDefinition(type: WorkflowType = DEFAULT_WORKFLOW_TYPE): WorkflowDefinition {
  return buildOrderWorkflowDefinition(LOCAL_WORKFLOW_RESOURCES, type);
}

/** One entry of PutEvents, as the definition's Parameters resolve it. */
export interface PutEventsEntry {
  readonly EventBusName: string;
  readonly Source: string;
  readonly DetailType: string;
  /** Step Functions sends an object Detail as its JSON text. */
  readonly Detail: unknown;
}

export interface TaskTargets {
  /** Runs a function's bundle with a Lambda task's input. */
  readonly invokeFunction: (id: FunctionId, input: unknown) => Promise<unknown>;
  readonly notifications: Pick<LocalNotifications, "publish">;
  readonly dynamodb: Pick<DynamoDBClient, "send">;
  /** The local default bus (EventBridge PutEvents). */
  readonly putEvents: (entries: readonly PutEventsEntry[]) => Promise<void>;
}

function bindTask(task: WorkflowTask, targets: TaskTargets): TaskHandler {
  switch (task.kind) {
    case "lambda": {
      const id = functionIdForArn(task.functionArn);
      return ((input: unknown) => targets.invokeFunction(id, input)) as TaskHandler;
    }
    case "snsPublish":
      return (async (input: unknown) => {
        const { TopicArn, Subject, Message } = input as {
          TopicArn: string;
          Subject?: string;
          Message: string;
        };
        return targets.notifications.publish(TopicArn, Subject ?? "", Message);
      }) as TaskHandler;
    case "dynamodbUpdateItem":
      // The task's resolved Parameters go to DynamoDB as they are; errors are named as Step Functions names them.
      return (async (input: unknown) => {
        try {
          await targets.dynamodb.send(new UpdateItemCommand(input as UpdateItemCommandInput));
          return {};
        } catch (error) {
          const failure = new Error((error as Error).message);
          // An unreachable database is named as the definition's Retry expects, never as a refusal.
          failure.name = `DynamoDB.${isUnreachable(error) ? "DependencyUnavailable" : (error as Error).name}`;
          throw failure;
        }
      }) as TaskHandler;
    case "eventsPutEvents":
      return (async (input: unknown) => {
        const { Entries } = input as { Entries: PutEventsEntry[] };
        await targets.putEvents(Entries);
        return { Entries: Entries.map(() => ({ EventId: randomUUID() })), FailedEntryCount: 0 };
      }) as TaskHandler;
  }
}

/** State name → local handler, for every Task state of the definition. */
export function bindWorkflowTasks(
  definition: WorkflowDefinition,
  targets: TaskTargets,
): Record<string, TaskHandler> {
  return Object.fromEntries(workflowTasks(definition).map((task) => [task.state, bindTask(task, targets)]));
}

/** One readable line per finished task, for the ones that say something worth reading. */
function describeOutput(id: FunctionId, output: Record<string, unknown>): string {
  if (id === "ValidateOrder")
    return `validated: total ${(Number(output.totalMinor) / 100).toFixed(2)} ${String(output.currency)}`;
  if (output.status === "CHARGED") return `paid (${String(output.chargeId)})`;
  if (output.status === "REFUNDED") return `refunded (${String(output.refundId)})`;
  if (output.status === "NOTHING_TO_REFUND") return "nothing to refund";
  const inventory: Record<string, string> = {
    reserved: "inventory updated",
    "already-reserved": "inventory already updated",
    released: "inventory released (compensation)",
    "nothing-reserved": "no inventory to release",
  };
  if (typeof output.inventory === "string")
    return inventory[output.inventory] ?? `inventory: ${output.inventory}`;
  return `${id} done`;
}

/** On stop, how long running executions may take to finish. */
export const WORKFLOW_DRAIN_TIMEOUT_MS = 30_000;

export interface WorkflowService extends LocalService {
  readonly workflow: LocalWorkflow;
  /** The definition it runs (the stack's builder, local ARNs). */
  readonly definition: WorkflowDefinition;
  /** The WorkflowStarter port StartOrderProcessing is given (StartExecution named by orderId). */
  readonly starter: WorkflowStarter;
}

export interface WorkflowServiceOptions {
  readonly functions: LocalFunctions;
  readonly notifications: LocalNotifications;
  readonly dynamodb: DynamoDBClient;
  readonly retryIntervalMs?: number;
  readonly onFinished: (execution: Execution) => void;
  /** Each step of each execution as it changes (the console's journey). */
  readonly onStep?: LocalWorkflowOptions["onStep"];
  /** Where the workflow's own events go (EXPRESS announces each order's end). */
  readonly putEvents: (entries: readonly PutEventsEntry[]) => Promise<void>;
  readonly log: (line: string) => void;
  readonly meter?: Meter;
  readonly type?: WorkflowType;
  /** Local IAM: the tasks' targets checked under the state machine's role (none with --no-iam). */
  readonly enforce?: (targets: TaskTargets) => TaskTargets;
}

export function startWorkflowService(options: WorkflowServiceOptions): WorkflowService {
  const { log } = options;
  const invokers = new Map<FunctionId, (input: unknown) => Promise<unknown>>();
  const invokeFunction = async (id: FunctionId, input: unknown) => {
    if (!invokers.has(id)) invokers.set(id, asLambdaTask(options.functions.handler(id)));
    const orderId = (input as { orderId?: string }).orderId ?? "?";
    try {
      const output = await invokers.get(id)!(input);
      log(`order ${orderId} ${describeOutput(id, output as Record<string, unknown>)}`);
      return output;
    } catch (error) {
      const { errorMessage } = JSON.parse((error as Error).message) as { errorMessage: string };
      log(`order ${orderId} ${id} raised ${(error as Error).name}: ${errorMessage}`);
      throw error;
    }
  };
  const type = options.type ?? DEFAULT_WORKFLOW_TYPE;
  const definition = localWorkflowDefinition(type);
  const targets: TaskTargets = {
    invokeFunction,
    notifications: options.notifications,
    dynamodb: options.dynamodb,
    putEvents: options.putEvents,
  };
  const workflow = new LocalWorkflow({
    stateMachineName: STATE_MACHINE_NAME,
    type,
    definition,
    tasks: bindWorkflowTasks(definition, options.enforce?.(targets) ?? targets),
    retryIntervalMs: options.retryIntervalMs,
    onFinished: options.onFinished,
    onStep: options.onStep,
    meter: options.meter,
  });
  const starter: WorkflowStarter = {
    start: async (orderId, input) => {
      try {
        workflow.startExecution(orderId, input);
        log(`order ${orderId} workflow started`);
        return "started";
      } catch (error) {
        if (error instanceof ExecutionAlreadyExistsError) return "already-started";
        throw error;
      }
    },
  };
  return {
    name: "workflow",
    workflow,
    definition,
    starter,
    // Running executions may finish within a bound; any still running are resumed on the next start.
    stop: () =>
      Promise.race([
        workflow.idle(),
        new Promise<void>((r) => setTimeout(r, WORKFLOW_DRAIN_TIMEOUT_MS).unref()),
      ]),
  };
}
