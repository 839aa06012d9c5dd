import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { resolve } from "node:path";
import type { OrderRecord } from "../../lambdas/shared/order";
import {
  startLocalOrderSystem,
  type LocalOrderSystem,
  type LocalRuntimeOptions,
} from "../../local/order-system";
import { faultInjector, type FaultInjector } from "./faults";

export interface OrderBody {
  customerEmail?: unknown;
  items?: unknown;
  paymentToken?: unknown;
  [key: string]: unknown;
}

export interface TestSystem extends Omit<FaultInjector, "wrappers"> {
  readonly system: LocalOrderSystem;
  placeOrder(
    body: OrderBody,
    idempotencyKey?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  getOrder(orderId: string): Promise<{ status: number; body: Record<string, unknown> }>;
  stockOf(productId: string): Promise<number>;
  waitForFinalStatus(orderId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  orderRecord(orderId: string): Promise<OrderRecord | undefined>;
  allOrders(): Promise<OrderRecord[]>;
  stop(): Promise<void>;
}

/** Starts the local runtime (`npm start`'s engine) on a free port, with fast retries for tests. */
export async function startTestSystem(options: Partial<LocalRuntimeOptions> = {}): Promise<TestSystem> {
  const faults = faultInjector(options.wrapPorts);
  const system = await startLocalOrderSystem({
    projectRoot: resolve(__dirname, "../.."),
    port: 0,
    retryIntervalMs: 20,
    visibilityTimeoutMs: 300,
    ...options,
    wrapPorts: faults.wrappers,
  });
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: system.dynamoDbEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    }),
  );
  const json = async (response: Response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  });
  const getOrder = async (orderId: string) => json(await fetch(`${system.url}/orders/${orderId}`));
  return {
    system,
    failWorkflowStarts: faults.failWorkflowStarts,
    failConfirmations: faults.failConfirmations,
    placeOrder: async (body, idempotencyKey) =>
      json(
        await fetch(`${system.url}/orders`, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
          },
          body: JSON.stringify(body),
        }),
      ),
    getOrder,
    stockOf: async (productId) => {
      const { body } = await json(await fetch(`${system.url}/products`));
      const product = (body.products as { productId: string; stock: number }[]).find(
        (p) => p.productId === productId,
      );
      if (!product) throw new Error(`No product ${productId}`);
      return product.stock;
    },
    waitForFinalStatus: async (orderId, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await getOrder(orderId);
        if (body.status === "CONFIRMED" || body.status === "FAILED") {
          // Confirmation notifications are sent right after the status change: let them land.
          await system.settled();
          return (await getOrder(orderId)).body;
        }
        if (Date.now() > deadline)
          throw new Error(`Order ${orderId} still ${String(body.status)} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    orderRecord: async (orderId) =>
      (await documents.send(new GetCommand({ TableName: system.tables.orders, Key: { orderId } }))).Item as
        OrderRecord | undefined,
    allOrders: async () =>
      ((await documents.send(new ScanCommand({ TableName: system.tables.orders }))).Items ??
        []) as OrderRecord[],
    stop: async () => {
      documents.destroy();
      await system.stop();
    },
  };
}
