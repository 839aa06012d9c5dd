import type { SFNClient } from "@aws-sdk/client-sfn";
import type { WorkflowCallbacks } from "../ports";

type Sfn = typeof import("@aws-sdk/client-sfn");

/**
 * SendTaskSuccess / SendTaskFailure for the waiting payment step. The Step Functions client is
 * loaded at the first callback, not at cold start (a webhook that only acknowledges never needs it).
 */
export class StepFunctionsCallbacks implements WorkflowCallbacks {
  private client?: { readonly sdk: Sfn; readonly client: SFNClient };

  private async sfn(): Promise<{ readonly sdk: Sfn; readonly client: SFNClient }> {
    if (!this.client) {
      const sdk = await import("@aws-sdk/client-sfn");
      this.client = { sdk, client: new sdk.SFNClient({ maxAttempts: 3 }) };
    }
    return this.client;
  }

  async succeed(taskToken: string, output: unknown): Promise<"delivered" | "gone"> {
    const { sdk, client } = await this.sfn();
    return this.deliver(sdk, () =>
      client.send(new sdk.SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  async fail(taskToken: string, error: string, cause: string): Promise<"delivered" | "gone"> {
    const { sdk, client } = await this.sfn();
    return this.deliver(sdk, () => client.send(new sdk.SendTaskFailureCommand({ taskToken, error, cause })));
  }

  /** A task that no longer waits (timed out, finished, its execution ended) is `gone`, not an error. */
  private async deliver(sdk: Sfn, send: () => Promise<unknown>): Promise<"delivered" | "gone"> {
    try {
      await send();
      return "delivered";
    } catch (error) {
      if (
        error instanceof sdk.TaskDoesNotExist ||
        error instanceof sdk.TaskTimedOut ||
        error instanceof sdk.InvalidToken
      ) {
        return "gone";
      }
      throw error;
    }
  }
}
