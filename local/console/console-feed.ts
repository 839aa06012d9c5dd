/**
 * What the console is told as it happens: each order's new image (from the orders table's stream,
 * as the outbox pipe reads it), each send to OrdersQueue and each workflow step, as `order`, `queue`
 * and `step` events of the feed; the
 * order images also feed the charts' figures.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Execution, ExecutionStep, StepEventType } from "../sfn/interpreter";
import { consoleOrderFromItem, OrderMetrics } from "./console-orders";
import type { EventFeed } from "./event-feed";

export interface ConsoleWatch {
  readonly metrics: OrderMetrics;
  readonly onOrder: (item: Record<string, AttributeValue>) => void;
  readonly onStep: (execution: Execution, step: ExecutionStep, event: StepEventType) => void;
  /** The outbox pipe sent the order to OrdersQueue. */
  readonly onQueued: (orderId: string) => void;
}

export function watchForConsole(feed: EventFeed): ConsoleWatch {
  const metrics = new OrderMetrics();
  return {
    metrics,
    onOrder: (item) => {
      const order = consoleOrderFromItem(item);
      metrics.observe(order);
      feed.append("order", { order }, order.orderId);
    },
    onQueued: (orderId) => feed.append("queue", { queue: "OrdersQueue" }, orderId),
    // Executions are named by their order's id.
    onStep: (execution, step, event) =>
      feed.append(
        "step",
        { execution: execution.executionArn, event, ...step, changed: step.changed ?? null },
        execution.name,
      ),
  };
}
