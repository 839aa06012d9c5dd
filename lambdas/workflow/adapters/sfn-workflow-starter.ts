import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from "@aws-sdk/client-sfn";
import type { WorkflowStarter } from "../ports";

export class StepFunctionsWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(orderId: string, input: { readonly orderId: string }): Promise<"started" | "already-started"> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          // Standard workflows reject a second execution of the same name: SQS redeliveries are harmless.
          name: orderId,
          input: JSON.stringify(input),
        }),
      );
      return "started";
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return "already-started";
      throw error;
    }
  }
}
