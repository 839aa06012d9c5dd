/**
 * Fault injection for the local runtime's tests: wraps the ports the runtime hands its functions, so
 * the production path stays free of test hooks.
 */
import type { Notifier } from "../../lambdas/alerts/ports";
import type { WorkflowStarter } from "../../lambdas/workflow/ports";
import type { PortWrappers } from "../../local/order-system";

/** Order ids are random: faults name the order by the Idempotency-Key it will be placed with. */
export type KeyResolver = (idempotencyKey: string) => Promise<string | undefined>;

export interface FaultInjector {
  readonly wrappers: PortWrappers;
  /** How to find the order an Idempotency-Key created (given once the system runs). */
  resolveKeysWith(resolver: KeyResolver): void;
  /** Makes StartOrderProcessing fail on this order's message `times` times (a crash mid-batch). */
  failWorkflowStarts(idempotencyKey: string, times: number): void;
  /** Makes OrderSuccessHandler's publish fail for this order `times` times. */
  failConfirmations(idempotencyKey: string, times: number): void;
}

/** Counts down the faults still to inject per order, named by idempotency key. */
function countdown(resolve: () => KeyResolver) {
  const remaining = new Map<string, number>();
  return {
    set: (idempotencyKey: string, times: number) => void remaining.set(idempotencyKey, times),
    take: async (orderId: string) => {
      for (const [key, left] of remaining) {
        if (left > 0 && (await resolve()(key)) === orderId) {
          remaining.set(key, left - 1);
          return true;
        }
      }
      return false;
    },
  };
}

export function faultInjector(extra: PortWrappers = {}): FaultInjector {
  let resolver: KeyResolver = async () => undefined;
  const starts = countdown(() => resolver);
  const confirmations = countdown(() => resolver);
  const workflowStarter = (port: WorkflowStarter): WorkflowStarter => ({
    start: async (orderId, input) => {
      if (await starts.take(orderId))
        throw new Error(`Injected fault: StartOrderProcessing crashed on order ${orderId}`);
      return port.start(orderId, input);
    },
  });
  const orderAlerts = (port: Notifier): Notifier => ({
    publish: async (notification) => {
      const orderId = /^Order (\S+) confirmed$/.exec(notification.subject)?.[1] ?? "";
      if (await confirmations.take(orderId)) {
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
    resolveKeysWith: (resolve) => {
      resolver = resolve;
    },
    failWorkflowStarts: starts.set,
    failConfirmations: confirmations.set,
  };
}
