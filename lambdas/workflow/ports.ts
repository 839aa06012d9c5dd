import type { StreamOrderItems, WorkflowInput } from "./io";

/** Step Functions' callback API for the waiting payment step (SendTaskSuccess / SendTaskFailure). */
export interface WorkflowCallbacks {
  /** `gone`: the task no longer waits (it timed out, or another call already completed it). */
  succeed(taskToken: string, output: unknown): Promise<"delivered" | "gone">;
  fail(taskToken: string, error: string, cause: string): Promise<"delivered" | "gone">;
}

export interface WorkflowStarter {
  /** Starts the execution named `orderId`; a second start of the same name is not an error. */
  start(orderId: string, input: WorkflowInput): Promise<"started" | "already-started">;
}

/** An OrdersQueue message: the order id and, as the orders table's stream holds them, its items. */
export interface OrderQueueMessage {
  readonly orderId: string;
  readonly items?: StreamOrderItems;
}

export interface OrderQueue {
  send(message: OrderQueueMessage): Promise<void>;
}
