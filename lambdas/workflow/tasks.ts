/**
 * Reads what each Task state of a built definition touches, so that everything wired to the workflow
 * is derived from the definition alone: the state machine role's permissions (stack) and the local
 * task bindings (local runtime). A new Task state needs no other edit.
 */
import {
  CLOUDWATCH_PUT_METRIC_DATA,
  DYNAMODB_UPDATE_ITEM,
  EVENTS_PUT_EVENTS,
  LAMBDA_INVOKE_WAIT_FOR_TOKEN,
  SNS_PUBLISH,
  type WorkflowDefinition,
} from "./definition";

export type WorkflowTask =
  | { readonly state: string; readonly kind: "lambda"; readonly functionArn: string }
  /** Invokes the function with a task token, then waits for SendTaskSuccess/SendTaskFailure. */
  | {
      readonly state: string;
      readonly kind: "lambdaCallback";
      readonly functionArn: string;
      readonly timeoutSeconds: number;
    }
  | { readonly state: string; readonly kind: "cloudwatchPutMetricData"; readonly namespace: string }
  | { readonly state: string; readonly kind: "snsPublish"; readonly topicArn: string }
  | { readonly state: string; readonly kind: "dynamodbUpdateItem"; readonly tableName: string }
  | { readonly state: string; readonly kind: "eventsPutEvents"; readonly eventBusArn: string };

const OPTIMIZED_INTEGRATION = "arn:aws:states:::";

function taskOf(state: string, definition: Record<string, unknown>): WorkflowTask {
  const resource = String(definition.Resource);
  const parameters = (definition.Parameters ?? {}) as Record<string, unknown>;
  if (resource === SNS_PUBLISH) {
    if (typeof parameters.TopicArn !== "string") {
      throw new Error(`Task ${state} publishes to SNS without a fixed TopicArn.`);
    }
    return { state, kind: "snsPublish", topicArn: parameters.TopicArn };
  }
  if (resource === DYNAMODB_UPDATE_ITEM) {
    if (typeof parameters.TableName !== "string") {
      throw new Error(`Task ${state} updates DynamoDB without a fixed TableName.`);
    }
    return { state, kind: "dynamodbUpdateItem", tableName: parameters.TableName };
  }
  if (resource === EVENTS_PUT_EVENTS) {
    const entries = (parameters.Entries ?? []) as { EventBusName?: unknown }[];
    const buses = [...new Set(entries.map((e) => e.EventBusName))];
    if (buses.length !== 1 || typeof buses[0] !== "string") {
      throw new Error(`Task ${state} puts events without one fixed EventBusName.`);
    }
    return { state, kind: "eventsPutEvents", eventBusArn: buses[0] };
  }
  if (resource === LAMBDA_INVOKE_WAIT_FOR_TOKEN) {
    if (typeof parameters.FunctionName !== "string") {
      throw new Error(`Task ${state} waits for a function without a fixed FunctionName.`);
    }
    return {
      state,
      kind: "lambdaCallback",
      functionArn: parameters.FunctionName,
      timeoutSeconds: Number(definition.TimeoutSeconds ?? 0),
    };
  }
  if (resource === CLOUDWATCH_PUT_METRIC_DATA) {
    if (typeof parameters.Namespace !== "string") {
      throw new Error(`Task ${state} puts metric data without a fixed Namespace.`);
    }
    return { state, kind: "cloudwatchPutMetricData", namespace: parameters.Namespace };
  }
  if (resource.startsWith(OPTIMIZED_INTEGRATION)) {
    throw new Error(
      `Task ${state} uses ${resource}, which the workflow wiring does not know: add it to lambdas/workflow/tasks.ts.`,
    );
  }
  return { state, kind: "lambda", functionArn: resource };
}

/** Every Task state of the definition, in definition order. */
export function workflowTasks(definition: WorkflowDefinition): WorkflowTask[] {
  return Object.entries(definition.States)
    .filter(([, state]) => state.Type === "Task")
    .map(([name, state]) => taskOf(name, state));
}

/** Distinct values in first-seen order. */
export function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
