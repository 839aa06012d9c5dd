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
import type { FunctionId } from "../../lambdas/platform/contracts";
import { isUnreachable } from "../../lambdas/platform/errors";
import type { WorkflowStarter } from "../../lambdas/workflow/ports";
import { buildOrderWorkflowDefinition, type WorkflowDefinition } from "../../lambdas/workflow/definition";
import { workflowTasks, type WorkflowTask } from "../../lambdas/workflow/tasks";
import { DEFAULT_WORKFLOW_TYPE, type WorkflowType } from "../../lambdas/workflow/type";
import { asLambdaTask } from "../lambda/host";
import type { LocalFunctions } from "../lambda/functions";
import { functionIdForArn, localWorkflowResources, STATE_MACHINE_NAME } from "../runtime/resources";
import { RUNTIME_DEFAULTS } from "../runtime/settings";
import {
  ExecutionAlreadyExistsError,
  LocalWorkflow,
  type Execution,
  type ExecutionStep,
  type LocalWorkflowOptions,
  type StepEventType,
  type TaskHandler,
} from "./interpreter";
import type { LocalNotifications } from "../sns/notifications";
import type { Meter } from "../meter/meter";
import type { LocalService } from "../runtime/service";
import { LocalTaskTokens } from "./task-tokens";

/** The definition as the local runtime runs it: the stack's builder with local ARNs and names. */
export function localWorkflowDefinition(
  type: WorkflowType = DEFAULT_WORKFLOW_TYPE,
  paymentActionTimeoutSeconds: number = RUNTIME_DEFAULTS.paymentActionTimeoutSeconds,
): WorkflowDefinition {
  return buildOrderWorkflowDefinition(localWorkflowResources(paymentActionTimeoutSeconds), type);
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
  /** Where `.waitForTaskToken` steps wait for SendTaskSuccess / SendTaskFailure. */
  readonly tokens: LocalTaskTokens;
  /** CloudWatch PutMetricData (the workflow's count of unexpected failures). */
  readonly putMetricData: (namespace: string, metricData: readonly MetricDatum[]) => void;
}

/** One datum of PutMetricData, as the definition's Parameters resolve it. */
export interface MetricDatum {
  readonly MetricName: string;
  readonly Value: number;
  readonly Unit?: string;
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
    case "lambdaCallback": {
      // Invoke with the token, then wait for the callback; a failed invoke fails the step.
      const id = functionIdForArn(task.functionArn);
      return (async (input: unknown) => {
        const { Payload } = input as { Payload: { taskToken: string } };
        const outcome = targets.tokens.wait(Payload.taskToken, task.timeoutSeconds);
        try {
          await targets.invokeFunction(id, Payload);
        } catch (error) {
          targets.tokens.abandon(Payload.taskToken);
          throw error;
        }
        return outcome;
      }) as TaskHandler;
    }
    case "cloudwatchPutMetricData":
      return (async (input: unknown) => {
        const { Namespace, MetricData } = input as { Namespace: string; MetricData: MetricDatum[] };
        targets.putMetricData(Namespace, MetricData);
        return {};
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

/** A failed step's message: the Lambda error payload's errorMessage, else the cause as given. */
function causeText(cause: string | undefined): string {
  if (!cause) return "";
  try {
    const payload = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof payload.errorMessage === "string" ? payload.errorMessage : cause;
  } catch {
    return cause;
  }
}

/**
 * One line per Task step, by state name, outcome and duration; what a function wants said about its
 * result it logs itself. Executions are named by their order's id.
 */
export function stepLine(
  execution: Execution,
  step: ExecutionStep,
  event: StepEventType,
): string | undefined {
  if (step.type !== "Task") return undefined;
  const prefix = `order ${execution.name} ${step.state}`;
  switch (event) {
    case "StateExited":
      return step.status === "succeeded" ? `${prefix} succeeded in ${step.durationMs} ms` : undefined;
    case "StateFailed":
      return `${prefix} raised ${step.error}: ${causeText(step.cause)}`;
    case "StateRetried":
      return `${prefix} retried (attempt ${step.retries})`;
    case "StateCaught":
      return `${prefix} failed; the definition's Catch takes over`;
    default:
      return undefined;
  }
}

/** On stop, how long running executions may take to finish. */
export const WORKFLOW_DRAIN_TIMEOUT_MS = 30_000;

export interface WorkflowService extends LocalService {
  readonly workflow: LocalWorkflow;
  /** The definition it runs (the stack's builder, local ARNs). */
  readonly definition: WorkflowDefinition;
  /** The WorkflowStarter port StartOrderProcessing is given (StartExecution named by orderId). */
  readonly starter: WorkflowStarter;
  /** The callback API PaymentEvents is given (SendTaskSuccess / SendTaskFailure). */
  readonly tokens: LocalTaskTokens;
  /** When the workflow put each datum of a metric (PutMetricData), newest last (the local alarms). */
  metricTimes(metricName: string): readonly number[];
}

/** How many data points per metric the local CloudWatch keeps (an alarm looks at minutes, not days). */
const METRIC_POINTS_KEPT = 1000;

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
  /** Another definition than the stack's (tests: one with an added step). */
  readonly definition?: WorkflowDefinition;
  /** --payment-action-timeout: how long a payment's outcome is waited for. */
  readonly paymentActionTimeoutSeconds?: number;
}

export function startWorkflowService(options: WorkflowServiceOptions): WorkflowService {
  const { log } = options;
  const invokers = new Map<FunctionId, (input: unknown) => Promise<unknown>>();
  const invokeFunction = (id: FunctionId, input: unknown) => {
    if (!invokers.has(id)) invokers.set(id, asLambdaTask(options.functions.handler(id)));
    return invokers.get(id)!(input);
  };
  const onStep: LocalWorkflowOptions["onStep"] = (execution, step, event) => {
    // The runtime's own fault is reported as the runtime's: never as the step's, never stopping it.
    try {
      const line = stepLine(execution, step, event);
      if (line) log(line);
    } catch (error) {
      log(`local runtime fault while logging ${step.state} of ${execution.name}: ${String(error)}`);
    }
    options.onStep?.(execution, step, event);
  };
  const type = options.type ?? DEFAULT_WORKFLOW_TYPE;
  const definition = options.definition ?? localWorkflowDefinition(type, options.paymentActionTimeoutSeconds);
  const tokens = new LocalTaskTokens();
  const metrics = new Map<string, number[]>();
  const targets: TaskTargets = {
    invokeFunction,
    notifications: options.notifications,
    dynamodb: options.dynamodb,
    putEvents: options.putEvents,
    tokens,
    putMetricData: (namespace, data) => {
      for (const datum of data) {
        const times = metrics.get(datum.MetricName) ?? [];
        times.push(Date.now());
        metrics.set(datum.MetricName, times.slice(-METRIC_POINTS_KEPT));
        log(`metric ${namespace}/${datum.MetricName} +${datum.Value}`);
      }
    },
  };
  const workflow = new LocalWorkflow({
    stateMachineName: STATE_MACHINE_NAME,
    type,
    definition,
    tasks: bindWorkflowTasks(definition, options.enforce?.(targets) ?? targets),
    retryIntervalMs: options.retryIntervalMs,
    onFinished: options.onFinished,
    onStep,
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
    tokens,
    metricTimes: (metricName) => metrics.get(metricName) ?? [],
    // Running executions may finish within a bound; any still running are resumed on the next start.
    stop: () =>
      Promise.race([
        workflow.idle(),
        new Promise<void>((r) => setTimeout(r, WORKFLOW_DRAIN_TIMEOUT_MS).unref()),
      ]),
  };
}
