/**
 * Step Functions' callback API, locally: aws-local-stepfunctions has no task tokens, so the binding of
 * a `.waitForTaskToken` Task registers the token it passed to its function and waits here until
 * SendTaskSuccess / SendTaskFailure (the WorkflowCallbacks port PaymentEvents is given) settles it.
 * The step's own TimeoutSeconds is the library's; a token is forgotten when it passes, and a late
 * callback finds it gone, as TaskTimedOut says on AWS.
 */
import type { WorkflowCallbacks } from "../../lambdas/workflow/ports";

interface Waiting {
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class LocalTaskTokens {
  private readonly waiting = new Map<string, Waiting>();

  /** The step's outcome: the output of SendTaskSuccess, or SendTaskFailure's error (name = error). */
  wait(token: string, timeoutSeconds: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.waiting.delete(token), timeoutSeconds * 1000);
      timer.unref();
      this.waiting.set(token, { resolve, reject, timer });
    });
  }

  /** The function the step invoked failed: its error is the step's, and the token is forgotten. */
  abandon(token: string): void {
    const entry = this.waiting.get(token);
    if (entry) clearTimeout(entry.timer);
    this.waiting.delete(token);
  }

  /** How many steps wait for a callback now. */
  count(): number {
    return this.waiting.size;
  }

  private take(token: string): Waiting | undefined {
    const entry = this.waiting.get(token);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.waiting.delete(token);
    return entry;
  }

  readonly callbacks: WorkflowCallbacks = {
    succeed: async (token, output) => {
      const entry = this.take(token);
      if (!entry) return "gone";
      // SendTaskSuccess carries JSON text: the step's result is what it parses to.
      entry.resolve(JSON.parse(JSON.stringify(output ?? null)));
      return "delivered";
    },
    fail: async (token, error, cause) => {
      const entry = this.take(token);
      if (!entry) return "gone";
      entry.reject(Object.assign(new Error(cause), { name: error }));
      return "delivered";
    },
  };
}
