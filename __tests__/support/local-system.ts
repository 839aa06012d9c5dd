import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { resolve } from "node:path";
import { idempotencyKeyHash } from "../../lambdas/platform/ids";
import type { OrderRecord } from "../../lambdas/orders/order";
import { INVENTORY_TABLE } from "../../lambdas/platform/table-definitions";
import { localCustomerId } from "../../local/cognito/user-pool";
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

type Reply = { status: number; body: Record<string, unknown> };

/** The customer every request is signed in as, unless a test passes another token. */
export const TEST_CUSTOMER_EMAIL = "buyer@example.com";

export interface TestSystem extends Omit<FaultInjector, "wrappers" | "resolveKeysWith"> {
  readonly system: LocalOrderSystem;
  /** TEST_CUSTOMER_EMAIL's ID token ("" with apiAuth "none"). */
  readonly token: string;
  /** The order an Idempotency-Key of the test customer created (from its idempotency record). */
  orderIdFor(idempotencyKey: string): Promise<string | undefined>;
  /** An ID token from the local user pool, as POST /_local/token issues it. */
  tokenFor(email: string): Promise<string>;
  placeOrder(body: OrderBody, idempotencyKey?: string, token?: string): Promise<Reply>;
  getOrder(orderId: string, token?: string): Promise<Reply>;
  listOrders(query?: string, token?: string): Promise<Reply>;
  stockOf(productId: string): Promise<number>;
  /** Sets a product's stock in the inventory table directly (someone else sold it meanwhile). */
  setStock(productId: string, stock: number): Promise<void>;
  /** Changes an order's item directly, around the API (a test's "as if"): an UpdateItem's expression. */
  updateOrder(
    orderId: string,
    update: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<void>;
  waitForFinalStatus(orderId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  orderRecord(orderId: string): Promise<OrderRecord | undefined>;
  allOrders(): Promise<OrderRecord[]>;
  stop(): Promise<void>;
}

export interface TestSystemOptions extends Partial<LocalRuntimeOptions> {
  /** The test denies something on purpose; otherwise stop() fails on any call local IAM denied. */
  readonly expectIamDenials?: boolean;
}

/**
 * Starts the local runtime (`npm start`'s engine) on a free port, with fast retries for tests.
 * Local IAM is on, as with `npm start`: stop() fails the test if any call the system made was denied,
 * so every test that runs the system also proves the synthesized policies allow what it does.
 */
export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const faults = faultInjector(options.wrapPorts);
  const system = await startLocalOrderSystem({
    projectRoot: resolve(__dirname, "../.."),
    port: 0,
    retryIntervalMs: 20,
    visibilityTimeoutMs: 300,
    // A batch is gathered for 50 ms instead of the deployed second: a test's order does not wait idle.
    batchingWindowMs: 50,
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
  const tokenFor = async (email: string) => {
    const response = await fetch(`${system.url}/_local/token`, {
      method: "POST",
      headers: { Accept: "text/plain" },
      body: JSON.stringify({ email }),
    });
    if (!response.ok) throw new Error(`POST /_local/token answered ${response.status}`);
    return response.text();
  };
  const token = system.auth ? await tokenFor(TEST_CUSTOMER_EMAIL) : "";
  const signIn = (as: string): Record<string, string> => (as ? { Authorization: as } : {});
  const getOrder = async (orderId: string, as = token) =>
    json(await fetch(`${system.url}/orders/${orderId}`, { headers: signIn(as) }));
  const orderIdFor = async (key: string) => {
    const keyHash = idempotencyKeyHash(key, system.auth ? localCustomerId(TEST_CUSTOMER_EMAIL) : undefined);
    const record = await documents.send(
      new GetCommand({ TableName: system.tables.orderKeys, Key: { keyHash } }),
    );
    return record.Item?.orderId as string | undefined;
  };
  faults.resolveKeysWith(orderIdFor);
  return {
    system,
    token,
    orderIdFor,
    tokenFor,
    failWorkflowStarts: faults.failWorkflowStarts,
    failConfirmations: faults.failConfirmations,
    placeOrder: async (body, idempotencyKey, as = token) =>
      json(
        await fetch(`${system.url}/orders`, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            ...signIn(as),
            ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
          },
          body: JSON.stringify(body),
        }),
      ),
    getOrder,
    listOrders: async (query = "", as = token) =>
      json(await fetch(`${system.url}/orders${query}`, { headers: signIn(as) })),
    stockOf: async (productId) => {
      const { status, body } = await json(await fetch(`${system.url}/products/${productId}`));
      if (status !== 200) throw new Error(`No product ${productId} (GET answered ${status})`);
      return body.stock as number;
    },
    setStock: async (productId, stock) => {
      await documents.send(
        new UpdateCommand({
          TableName: system.tables.inventory,
          Key: { [INVENTORY_TABLE.partitionKey]: productId },
          UpdateExpression: "SET stock = :stock",
          ExpressionAttributeValues: { ":stock": stock },
        }),
      );
    },
    updateOrder: async (orderId, update, names, values) => {
      await documents.send(
        new UpdateCommand({
          TableName: system.tables.orders,
          Key: { orderId },
          UpdateExpression: update,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
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
      const denials = system.iamDenials();
      if (denials.length > 0 && !options.expectIamDenials) {
        throw new Error(`Local IAM denied calls the system made:\n${denials.join("\n")}`);
      }
    },
  };
}
