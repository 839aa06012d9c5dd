/**
 * Fault injection for the local runtime's tests: wraps the ports the runtime hands its functions, so
 * the production path stays free of test hooks.
 */
import type { Notifier, WorkflowStarter } from "../../lambdas/shared/ports";
import type { PortWrappers } from "../../local/order-system";

export interface FaultInjector {
  readonly wrappers: PortWrappers;
  /** Makes StartOrderProcessing fail on this order's message `times` times (a crash mid-batch). */
  failWorkflowStarts(orderId: string, times: number): void;
  /** Makes OrderSuccessHandler's publish fail for this order `times` times. */
  failConfirmations(orderId: string, times: number): void;
}

/** Counts down the faults still to inject per order. */
function countdown() {
  const remaining = new Map<string, number>();
  return {
    set: (orderId: string, times: number) => void remaining.set(orderId, times),
    take: (orderId: string) => {
      const left = remaining.get(orderId) ?? 0;
      if (left > 0) remaining.set(orderId, left - 1);
      return left > 0;
    },
  };
}

export function faultInjector(extra: PortWrappers = {}): FaultInjector {
  const starts = countdown();
  const confirmations = countdown();
  const workflowStarter = (port: WorkflowStarter): WorkflowStarter => ({
    start: async (orderId, input) => {
      if (starts.take(orderId))
        throw new Error(`Injected fault: StartOrderProcessing crashed on order ${orderId}`);
      return port.start(orderId, input);
    },
  });
  const orderAlerts = (port: Notifier): Notifier => ({
    publish: async (notification) => {
      const orderId = /^Order (\S+) confirmed$/.exec(notification.subject)?.[1] ?? "";
      if (confirmations.take(orderId)) {
        throw new Error(`Injected fault: publishing the confirmation of ${orderId} failed`);
      }
      await port.publish(notification);
    },
  });
  return {
    wrappers: {
      ...extra,
      workflowStarter: (port) => workflowStarter(extra.workflowStarter?.(port) ?? port),
      orderAlerts: (port) => orderAlerts(extra.orderAlerts?.(port) ?? port),
    },
    failWorkflowStarts: starts.set,
    failConfirmations: confirmations.set,
  };
}
