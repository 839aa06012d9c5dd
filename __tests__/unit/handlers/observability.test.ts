/** Structured logs carry the orderId on every line; business outcomes are published as EMF metrics. */
/* eslint-disable @typescript-eslint/no-require-imports -- jest.isolateModules loads a fresh handler (and its
   Logger and Metrics) with metrics and logs switched on, which only require() can do. */
import { mockClient } from "aws-sdk-client-mock";
import { context, ORDER_ID } from "../../support/events";
import { orderRecord } from "../../support/orders";

type LibDynamoDb = typeof import("@aws-sdk/lib-dynamodb");

function captureStdout(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return {
    lines: () =>
      written
        .join("")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spy.mockRestore(),
  };
}

async function runValidateOrder(
  stock: number,
): Promise<{ lines: Record<string, unknown>[]; error: Error | undefined }> {
  const saved = { ...process.env };
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_METRICS_DISABLED: "false" });
  const output = captureStdout();
  try {
    let handler: (input: unknown, ctx: unknown) => Promise<unknown> = async () => undefined;
    let lib: LibDynamoDb | undefined;
    jest.isolateModules(() => {
      lib = require("@aws-sdk/lib-dynamodb") as LibDynamoDb;
      handler = require("../../../lambdas/validate-order/handler").handler;
    });
    const { BatchGetCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } = lib!;
    const dynamo = mockClient(DynamoDBDocumentClient);
    dynamo.on(GetCommand).resolves({ Item: orderRecord({ items: [{ productId: "SKU-1", quantity: 2 }] }) });
    dynamo.on(BatchGetCommand).resolves({
      Responses: {
        "inventory-test": [{ ProductID: "SKU-1", name: "One", priceMinor: 100, currency: "USD", stock }],
      },
    });
    dynamo.on(UpdateCommand).resolves({});
    // The business failure is the point of the second test: its error is returned, not swallowed.
    const error = await handler({ orderId: ORDER_ID }, context).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    return { lines: output.lines(), error };
  } finally {
    output.restore();
    process.env = saved;
  }
}

test("a validated order logs JSON with its orderId and publishes OrdersValidated", async () => {
  const { lines, error } = await runValidateOrder(10);
  expect(error).toBeUndefined();
  const logs = lines.filter((l) => "message" in l);
  expect(logs.length).toBeGreaterThan(0);
  for (const log of logs) expect(log).toMatchObject({ orderId: ORDER_ID, service: "validate-order" });
  expect(logs).toContainEqual(expect.objectContaining({ message: "Order validated", total: "2.00 USD" }));
  const emf = lines.find((l) => "_aws" in l);
  expect(emf).toMatchObject({ OrdersValidated: 1, service: "validate-order" });
  expect(JSON.stringify(emf)).not.toContain("tok_visa");
});

test("a business failure publishes OrdersFailed with its reason, and BusinessErrors without one", async () => {
  const { lines, error } = await runValidateOrder(1);
  expect(error).toMatchObject({ name: "InsufficientStock" });
  const blobs = lines.filter((l) => "_aws" in l);
  expect(blobs).toContainEqual(expect.objectContaining({ OrdersFailed: 1, reason: "InsufficientStock" }));
  // The error alarm subtracts this from Lambda's Errors, matched on the service dimension alone.
  const business = blobs.find((l) => "BusinessErrors" in l);
  expect(business).toMatchObject({ BusinessErrors: 1, service: "validate-order" });
  expect(business).not.toHaveProperty("reason");
});
