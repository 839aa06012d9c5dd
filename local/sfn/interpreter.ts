/**
 * Local Step Functions: aws-local-stepfunctions runs the state machine definition produced by the
 * same builder the stack uses. Executions are named, run in the background, and report their end to
 * the listener (the local EventBridge). STANDARD rejects a name used before, as AWS does; EXPRESS
 * does not, so one order's execution can run twice, as it can on AWS.
 */
import { randomUUID } from "node:crypto";
import { StateMachine } from "aws-local-stepfunctions";
import type { WorkflowDefinition } from "../../lambdas/workflow/definition";
import { DEFAULT_WORKFLOW_TYPE, type WorkflowType } from "../../lambdas/workflow/type";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../runtime/resources";
import { expressGbSeconds, type Meter } from "../meter/meter";

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

/**
 * One state an execution entered, as the console's journey shows it: when, how long, how it ended
 * (a Catch counts as `caught`: the execution went on along the catcher's branch), its retries, and
 * what it changed in the execution's data (a Task's ResultPath: the charge, the reservation, the refund).
 */
export interface ExecutionStep {
  readonly state: string;
  /** Task, Choice, Pass, Fail, Succeed… */
  readonly type: string;
  readonly enteredAt: number;
  exitedAt?: number;
  durationMs?: number;
  status: "running" | "succeeded" | "failed" | "caught";
  retries: number;
  error?: string;
  cause?: string;
  /** Top-level fields of the state's output that differ from its input. */
  changed?: Record<string, unknown>;
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
  /** Each change of a step (entered, retried, failed, caught, exited), as it happens. */
  readonly onStep?: (execution: Execution, step: ExecutionStep, event: StepEventType) => void;
}

type EventLog = Awaited<ReturnType<EventLogs["next"]>>["value"] & { type: string };
export type StepEventType = "StateEntered" | "StateExited" | "StateFailed" | "StateRetried" | "StateCaught";
const STEP_EVENTS: readonly string[] = [
  "StateEntered",
  "StateExited",
  "StateFailed",
  "StateRetried",
  "StateCaught",
] satisfies StepEventType[];

/** The top-level fields of `output` that are new or different from `input`. */
function changedFields(input: unknown, output: unknown): Record<string, unknown> | undefined {
  if (typeof output !== "object" || output === null || Array.isArray(output)) return undefined;
  const before = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const changed = Object.entries(output).filter(
    ([key, value]) => JSON.stringify(before[key]) !== JSON.stringify(value),
  );
  return changed.length > 0 ? Object.fromEntries(changed) : undefined;
}

type EventLogs = ReturnType<StateMachine["run"]>["eventLogs"];
/** The state events of the library's execution log, as far as the steps need them. */
interface StepEvent {
  readonly type: StepEventType;
  readonly timestamp: number;
  readonly state: {
    readonly name: string;
    readonly type: string;
    readonly input: unknown;
    readonly output?: unknown;
  };
  readonly retry?: { readonly attempt: number };
  readonly Error?: string;
  readonly Cause?: unknown;
}

/** The log group the deployed state machine writes every history event to (level ALL, with data). */
const EXECUTION_LOG_GROUP = "/aws/vendedlogs/states/order-processing";
/** What a logged history event carries besides its details: ids, type, timestamps, ARN. */
const LOGGED_EVENT_ENVELOPE_BYTES = 250;

/** How many executions GET /_local/executions keeps (newest first out of the window: oldest dropped). */
export const RECENT_EXECUTIONS = 1000;

/** Definitions this process has seen validated (the constructor throws on an invalid one). */
const VALIDATED_DEFINITIONS = new Set<string>();

export class LocalWorkflow {
  readonly stateMachineArn: string;
  private readonly machine: StateMachine;
  /** The newest executions by ARN, with their input and output (GET /_local/executions). */
  private readonly executions = new Map<string, Execution>();
  /** The steps of each kept execution, in the order they were entered. */
  private readonly steps = new Map<string, ExecutionStep[]>();
  /** Every name ever used: Standard refuses a name again, however old the execution. */
  private readonly names = new Set<string>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: LocalWorkflowOptions) {
    this.stateMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${options.stateMachineName}`;
    // Lambda ARNs are checked by the library's validator; SNS/DynamoDB integrations are local overrides.
    // A definition is validated once per process (asl-validator compiles its schemas each time, about
    // 100 ms): every runtime a process starts builds the same one.
    const text = JSON.stringify(options.definition);
    this.machine = new StateMachine(
      options.definition as unknown as ConstructorParameters<typeof StateMachine>[0],
      {
        validationOptions: { checkArn: false, noValidate: VALIDATED_DEFINITIONS.has(text) },
      },
    );
    VALIDATED_DEFINITIONS.add(text);
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
      if (kept.status !== "RUNNING") {
        this.executions.delete(old);
        this.steps.delete(old);
      }
    }
    this.steps.set(execution.executionArn, []);
    const retryIntervalOverrides =
      this.options.retryIntervalMs === undefined
        ? undefined
        : Object.fromEntries(
            Object.keys(this.options.definition.States).map((s) => [s, this.options.retryIntervalMs!]),
          );
    const run = this.machine.run(input as Parameters<StateMachine["run"]>[0], {
      overrides: { taskResourceLocalHandlers: this.options.tasks, retryIntervalOverrides },
      context: {
        Execution: { Id: execution.executionArn, Name: name },
        StateMachine: { Id: this.stateMachineArn, Name: this.options.stateMachineName },
        // The library shares this State object with every state: EnteredTime is read when a state's
        // Parameters are resolved, right after it is entered, as AWS stamps it.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
          Name: "",
        },
        // A new token each time a `.waitForTaskToken` step's Parameters read it, as AWS issues one.
        Task: {
          get Token() {
            return `local-task-${randomUUID()}`;
          },
        },
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
    void this.followEvents(execution, run.eventLogs);
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

  /** Reads the execution's history as it happens: the meter's transitions and log bytes, and its steps. */
  private async followEvents(execution: Execution, events: EventLogs): Promise<void> {
    for await (const event of events) {
      if (this.options.meter) this.meterEvent(event, this.options.meter);
      if (STEP_EVENTS.includes(event.type)) this.recordStep(execution, event as StepEvent);
    }
  }

  /**
   * Standard workflows bill a state transition each time a state runs, retries included; the log
   * group receives each history event (a Task's scheduled, started and finished events included).
   */
  private meterEvent(event: EventLog, meter: Meter): void {
    if (this.type === "STANDARD" && (event.type === "StateEntered" || event.type === "StateRetried")) {
      meter.record("Step Functions", `transition:${(event as StepEvent).state.name}`, { transitions: 1 });
    }
    const detailBytes = Buffer.byteLength(JSON.stringify(event));
    const isTask = event.type === "StateEntered" && (event as StepEvent).state.type === "Task";
    for (let i = 0; i < (isTask ? 4 : 1); i++) {
      meter.record("CloudWatch Logs", EXECUTION_LOG_GROUP, {
        bytes: (i === 0 ? detailBytes : 0) + LOGGED_EVENT_ENVELOPE_BYTES,
      });
    }
  }

  private recordStep(execution: Execution, event: StepEvent): void {
    const steps = this.steps.get(execution.executionArn);
    if (!steps) return; // the execution already left the window
    let step = steps.findLast((s) => s.state === event.state.name);
    if (event.type === "StateEntered" || !step) {
      step = {
        state: event.state.name,
        type: event.state.type,
        enteredAt: event.timestamp,
        status: "running",
        retries: 0,
      };
      steps.push(step);
    }
    const end = () => {
      step.exitedAt = event.timestamp;
      step.durationMs = event.timestamp - step.enteredAt;
    };
    if (event.type === "StateRetried") {
      step.retries = event.retry?.attempt ?? step.retries + 1;
      step.status = "running";
    } else if (event.type === "StateFailed") {
      [step.status, step.error, step.cause] = ["failed", event.Error, String(event.Cause ?? "")];
      end();
    } else if (event.type === "StateCaught") {
      step.status = "caught";
    } else if (event.type === "StateExited") {
      if (step.status === "running") step.status = "succeeded";
      if (step.status === "succeeded") step.changed = changedFields(event.state.input, event.state.output);
      end();
    }
    try {
      this.options.onStep?.(execution, step, event.type);
    } catch {
      // A watcher's failure (the console) must not stop the history from being read.
    }
  }

  /** The steps of an execution (by ARN), oldest first; undefined once it left the window. */
  stepsOf(executionArn: string): readonly ExecutionStep[] | undefined {
    return this.steps.get(executionArn);
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
