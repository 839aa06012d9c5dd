/**
 * The seven functions: one folder each under lambdas/, bundled to dist/lambdas/<folder>/index.js.
 * The build, the stack, the local runtime and the benchmarks all read this list.
 */
import { ORDERS_QUEUE_SETTINGS } from "./shared/queue-settings";

export type FunctionId =
  | "OrderPlacement"
  | "StartOrderProcessing"
  | "ValidateOrder"
  | "ProcessPayment"
  | "UpdateInventory"
  | "OrderSuccessHandler"
  | "SeedInventory";

export interface FunctionSpec {
  readonly id: FunctionId;
  /** Folder under lambdas/ holding handler.ts. */
  readonly folder: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    id: "OrderPlacement",
    folder: "order-placement",
    description: "API: validates and records orders, queues them; serves order status and products",
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  {
    id: "StartOrderProcessing",
    folder: "start-order-processing",
    description: "OrdersQueue consumer: starts one workflow execution per order",
    timeoutSeconds: ORDERS_QUEUE_SETTINGS.consumerTimeoutSeconds,
    memoryMb: 256,
  },
  {
    id: "ValidateOrder",
    folder: "validate-order",
    description: "Workflow: checks products and stock, prices the order from InventoryTable",
    timeoutSeconds: 15,
    memoryMb: 256,
  },
  {
    id: "ProcessPayment",
    folder: "process-payment",
    description: "Workflow: charges (idempotent by orderId) and refunds through the payment gateway",
    timeoutSeconds: 20,
    memoryMb: 256,
  },
  {
    id: "UpdateInventory",
    folder: "update-inventory",
    description: "Workflow: decrements stock for the whole order in one transaction, once",
    timeoutSeconds: 15,
    memoryMb: 256,
  },
  {
    id: "OrderSuccessHandler",
    folder: "order-success-handler",
    description: "EventBridge target: marks orders CONFIRMED and announces them",
    timeoutSeconds: 15,
    memoryMb: 256,
  },
  {
    id: "SeedInventory",
    folder: "seed-inventory",
    description: "Deploy-time: writes the catalog without resetting existing stock",
    timeoutSeconds: 60,
    memoryMb: 256,
  },
];

export const BUNDLE_ROOT = "dist/lambdas";
export const BUNDLE_ENTRY_FILE = "index.js";
export const LAMBDA_HANDLER = "index.handler";

export function functionSpec(id: FunctionId): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.id === id);
  if (!spec) throw new Error(`Unknown function ${id}`);
  return spec;
}
