/**
 * Local Step Functions: aws-local-stepfunctions runs the state machine definition produced by the
 * same builder the stack uses. Executions are named, run in the background, and report their end to
 * the listener (the local EventBridge). STANDARD rejects a name used before, as AWS does; EXPRESS
 * does not, so one order's execution can run twice, as it can on AWS.
 */
import { randomUUID } from "node:crypto";
import { StateMachine } from "aws-local-stepfunctions";
import type { WorkflowDefinition } from "../lambdas/shared/workflow-definition";
import { DEFAULT_WORKFLOW_TYPE, type WorkflowType } from "../lambdas/shared/workflow-type";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./local-resources";
import { expressGbSeconds, type Meter } from "./meter/meter";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED";

export interface Execution {
  readonly name: string;
  readonly executionArn: string;
  readonly input: string;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  readonly startDate: number;
  stopDate?: number;
}

export class ExecutionAlreadyExistsError extends Error {
  constructor(name: string) {
    super(`Execution Already Exists: '${name}'`);
    this.name = "ExecutionAlreadyExists";
  }
}

type RunOptions = NonNullable<Parameters<StateMachine["run"]>[1]>;
type LocalTaskHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;
export type TaskHandler = LocalTaskHandlers[string];

export interface LocalWorkflowOptions {
  readonly stateMachineName: string;
  /** STANDARD (default): names are unique, transitions are billed. EXPRESS: duration and memory. */
  readonly type?: WorkflowType;
  readonly definition: WorkflowDefinition;
  /** Task state name → what runs instead of the Resource (bundled Lambda, local SNS, DynamoDB). */
  readonly tasks: Record<string, TaskHandler>;
  /** Shortens Retry pauses (ms) for tests; real IntervalSeconds/BackoffRate/jitter when omitted. */
  readonly retryIntervalMs?: number;
  readonly onFinished?: (execution: Execution) => void;
  /** Counts state transitions (retries included) and the execution log's bytes. */
  readonly meter?: Meter;
}

type EventLogs = ReturnType<StateMachine["run"]>["eventLogs"];

/** The log group the deployed state machine writes every history event to (level ALL, with data). */
const EXECUTION_LOG_GROUP = "/aws/vendedlogs/states/order-processing";
/** What a logged history event carries besides its details: ids, type, timestamps, ARN. */
const LOGGED_EVENT_ENVELOPE_BYTES = 250;

/** How many executions GET /_local/executions keeps (newest first out of the window: oldest dropped). */
export const RECENT_EXECUTIONS = 1000;

export class LocalWorkflow {
  readonly stateMachineArn: string;
  private readonly machine: StateMachine;
  /** The newest executions by ARN, with their input and output (GET /_local/executions). */
  private readonly executions = new Map<string, Execution>();
  /** Every name ever used: Standard refuses a name again, however old the execution. */
  private readonly names = new Set<string>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: LocalWorkflowOptions) {
    this.stateMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${options.stateMachineName}`;
    // Lambda ARNs are checked by the library's validator; SNS/DynamoDB integrations are local overrides.
    this.machine = new StateMachine(
      options.definition as unknown as ConstructorParameters<typeof StateMachine>[0],
      {
        validationOptions: { checkArn: false },
      },
    );
  }

  get type(): WorkflowType {
    return this.options.type ?? DEFAULT_WORKFLOW_TYPE;
  }

  /** The ARN AWS gives an execution: Express ARNs carry a unique suffix, names may repeat. */
  private executionArnFor(name: string): string {
    const base = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}`;
    return this.type === "EXPRESS"
      ? `${base}:express:${this.options.stateMachineName}:${name}:${randomUUID()}`
      : `${base}:execution:${this.options.stateMachineName}:${name}`;
  }

  /** StartExecution: STANDARD throws ExecutionAlreadyExistsError for a name already used. */
  startExecution(name: string, input: unknown): Execution {
    if (this.type === "STANDARD" && this.names.has(name)) throw new ExecutionAlreadyExistsError(name);
    const execution: Execution = {
      name,
      executionArn: this.executionArnFor(name),
      input: JSON.stringify(input),
      status: "RUNNING",
      startDate: Date.now(),
    };
    this.names.add(name);
    this.executions.set(execution.executionArn, execution);
    // Memory stays flat over long runs: the oldest finished executions' details are dropped.
    for (const [old, kept] of this.executions) {
      if (this.executions.size <= RECENT_EXECUTIONS) break;
      if (kept.status !== "RUNNING") this.executions.delete(old);
    }
    const retryIntervalOverrides =
      this.options.retryIntervalMs === undefined
        ? undefined
        : Object.fromEntries(
            Object.keys(this.options.definition.States).map((s) => [s, this.options.retryIntervalMs!]),
          );
    const startTime = new Date(execution.startDate).toISOString();
    const run = this.machine.run(input as Parameters<StateMachine["run"]>[0], {
      overrides: { taskResourceLocalHandlers: this.options.tasks, retryIntervalOverrides },
      context: {
        Execution: { Id: execution.executionArn, Name: name },
        StateMachine: { Id: this.stateMachineArn, Name: this.options.stateMachineName },
        // The library keeps a static context object: EnteredTime is the execution's start locally.
        State: { EnteredTime: startTime, Name: "" },
      },
    });
    const finished = run.result.then(
      (output: unknown) => {
        execution.status = "SUCCEEDED";
        execution.output = JSON.stringify(output);
      },
      (error: unknown) => {
        execution.status = "FAILED";
        const failure = (error as { cause?: unknown }).cause ?? error;
        execution.error = failure instanceof Error ? failure.name : "States.Runtime";
        execution.cause = failure instanceof Error ? failure.message : String(failure);
      },
    );
    if (this.options.meter) void this.meterEvents(run.eventLogs, this.options.meter);
    const tracked = finished.then(() => {
      execution.stopDate = Date.now();
      this.meterExpress(execution);
      this.running.delete(tracked);
      this.options.onFinished?.(execution);
    });
    this.running.add(tracked);
    return execution;
  }

  /** Express bills each execution and its duration at the smallest memory step (the state is small). */
  private meterExpress(execution: Execution): void {
    if (this.type !== "EXPRESS" || !this.options.meter) return;
    const durationMs = (execution.stopDate ?? Date.now()) - execution.startDate;
    this.options.meter.record("Step Functions", "express:execution", {
      requests: 1,
      gbSeconds: expressGbSeconds(durationMs),
      durationMs,
    });
  }

  /**
   * Standard workflows bill a state transition each time a state runs, retries included; the log
   * group receives each history event (a Task's scheduled, started and finished events included).
   */
  private async meterEvents(events: EventLogs, meter: Meter): Promise<void> {
    for await (const event of events) {
      if (this.type === "STANDARD" && (event.type === "StateEntered" || event.type === "StateRetried")) {
        meter.record("Step Functions", `transition:${event.state.name}`, { transitions: 1 });
      }
      const detailBytes = Buffer.byteLength(JSON.stringify(event));
      const records = event.type === "StateEntered" && event.state.type === "Task" ? 4 : 1;
      for (let i = 0; i < records; i++) {
        meter.record("CloudWatch Logs", EXECUTION_LOG_GROUP, {
          bytes: (i === 0 ? detailBytes : 0) + LOGGED_EVENT_ENVELOPE_BYTES,
        });
      }
    }
  }

  /** The newest execution of this name (an Express order may have run twice). */
  get(name: string): Execution | undefined {
    return this.executionsNamed(name).at(-1);
  }

  /** Every kept execution of this name, oldest first. */
  executionsNamed(name: string): Execution[] {
    return [...this.executions.values()].filter((e) => e.name === name);
  }

  list(): Execution[] {
    return [...this.executions.values()];
  }

  runningCount(): number {
    return this.running.size;
  }

  /** Resolves when no execution is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
