/**
 * The bundled functions as the local runtime runs them: one fresh copy of each bundle (its own module
 * state, as a Lambda execution environment), invoked with a Lambda context and the contract's timeout
 * and memory. Each invocation and each log line is metered as Lambda and CloudWatch Logs bill them.
 */
import { randomUUID } from "node:crypto";
import { FUNCTIONS, functionSpec, type FunctionId } from "../../lambdas/platform/contracts";
import { lambdaContext, loadBundle, type BundleModule } from "./host";
import { localFunctionName } from "../runtime/resources";
import { accessKeyOf } from "../iam/access-guard";
import { lambdaGbSeconds, type Meter } from "../meter/meter";

export type Invoke<E = unknown, R = unknown> = (event: E) => Promise<R>;

export interface LocalFunctionsOptions {
  /** Counts invocations, billed duration and log bytes; nothing is counted when omitted. */
  readonly meter?: Meter;
  /** Prints the handlers' own JSON logs and EMF metrics (--handler-logs); they are always counted. */
  readonly showLogs?: boolean;
  /** Every log line's text, by log group, as CloudWatch Logs would keep it. */
  readonly onLog?: (logGroup: string, text: string) => void;
  /** Local IAM: a handler as its trigger may invoke it (resource policy or role); as it is when omitted. */
  readonly guardInvocation?: <E, R>(id: FunctionId, invoke: Invoke<E, R>) => Invoke<E, R>;
}

/** CloudWatch Logs counts 26 bytes of overhead per log event. */
const LOG_EVENT_OVERHEAD_BYTES = 26;

export class LocalFunctions {
  private readonly bundles = new Map<FunctionId, BundleModule>();
  /** Ports a service gives a function whoever invokes it (the workflow's callback API). */
  private readonly givenPorts = new Map<FunctionId, object>();

  constructor(
    projectRoot: string,
    private readonly options: LocalFunctionsOptions = {},
  ) {
    for (const spec of FUNCTIONS) {
      const logGroup = `/aws/lambda/${localFunctionName(spec.id)}`;
      this.bundles.set(
        spec.id,
        loadBundle(
          projectRoot,
          spec.id,
          (text, stream) => {
            this.logged(logGroup, text);
            options.onLog?.(logGroup, text);
            if (options.showLogs) process[stream].write(text);
          },
          // Its own credentials, as its execution role's session: local IAM tells callers apart by them.
          { AWS_ACCESS_KEY_ID: accessKeyOf(spec.id) },
        ),
      );
    }
  }

  private logged(logGroup: string, text: string): void {
    for (const line of text.split("\n")) {
      if (line.length === 0) continue;
      this.options.meter?.record("CloudWatch Logs", logGroup, {
        bytes: Buffer.byteLength(line) + LOG_EVENT_OVERHEAD_BYTES,
      });
    }
  }

  /**
   * The function's handler, built by its own `createHandler` with some ports replaced (the local
   * queue, SNS or workflow), invoked as Lambda would: a context and the deployed timeout and memory.
   */
  handler<E = unknown, R = unknown>(id: FunctionId, ports: object = {}): Invoke<E, R> {
    const handle = this.bundles.get(id)!.createHandler({ ...this.givenPorts.get(id), ...ports });
    const { timeoutSeconds, memoryMb } = functionSpec(id);
    const name = localFunctionName(id);
    const logGroup = `/aws/lambda/${name}`;
    const invoke = async (event: E) => {
      const context = lambdaContext(name, timeoutSeconds * 1000, memoryMb);
      const started = performance.now();
      try {
        return (await handle(event, context)) as R;
      } finally {
        const durationMs = performance.now() - started;
        this.options.meter?.record("Lambda", name, {
          requests: 1,
          durationMs,
          gbSeconds: lambdaGbSeconds(durationMs, memoryMb),
        });
        this.platformLines(logGroup, context.awsRequestId, durationMs, memoryMb);
      }
    };
    return this.options.guardInvocation?.(id, invoke) ?? invoke;
  }

  /** Ports every later handler of this function is built with (a service's twin of an AWS API). */
  givePorts(id: FunctionId, ports: object): void {
    this.givenPorts.set(id, { ...this.givenPorts.get(id), ...ports });
  }

  /** The START, END and REPORT lines Lambda writes to the log group for every invocation. */
  private platformLines(logGroup: string, requestId: string, durationMs: number, memoryMb: number): void {
    if (!this.options.meter) return;
    const id = requestId || randomUUID();
    this.logged(
      logGroup,
      [
        `START RequestId: ${id} Version: $LATEST`,
        `END RequestId: ${id}`,
        `REPORT RequestId: ${id}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: ${Math.round(memoryMb / 3)} MB\t`,
      ].join("\n"),
    );
  }
}
