/**
 * The DynamoDB code run for real against dynalite (with the local TransactWriteItems front):
 * no oversell under concurrency, all-or-nothing multi-item orders, exactly-once decrements and
 * idempotent order creation.
 */
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDbStockLedger, LOG_MAX } from "../../lambdas/catalog/adapters/dynamodb-stock-ledger";
import type { LowStock } from "../../lambdas/catalog/stock";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { createHandler as createOrderPlacement } from "../../lambdas/order-placement/handler";
import { DynamoDbInventoryStore } from "../../lambdas/catalog/adapters/dynamodb-inventory-store";
import { DynamoDbOrderStore } from "../../lambdas/orders/adapters/dynamodb-order-store";
import { BusinessError } from "../../lambdas/platform/errors";
import { READ_CHANGES_TARGET, type ChangePage } from "../../local/dynamodb/change-feed";
import { orderView } from "../../lambdas/orders/order";
import { startTestDatabase, type TestDatabase } from "../support/dynamodb";
import { BUYER, signedIn } from "../support/events";

let database: TestDatabase;
let inventory: DynamoDbInventoryStore;
let orders: DynamoDbOrderStore;

beforeAll(async () => {
  database = await startTestDatabase();
  inventory = new DynamoDbInventoryStore(database.client, database.tables.inventory, database.tables.orders, {
    movementsTable: database.tables.stockMovements,
    defaultThreshold: 5,
  });
  orders = new DynamoDbOrderStore(database.client, database.tables.orders, database.tables.orderKeys);
});
afterAll(() => database.close());

async function seedProduct(productId: string, stock: number): Promise<void> {
  await database.client.send(
    new PutCommand({
      TableName: database.tables.inventory,
      Item: { ProductID: productId, name: productId, priceMinor: 1000, currency: "USD", stock },
    }),
  );
}

/** A product's movements, oldest first: those its item still holds and those copied out. */
async function movementsOf(productId: string): Promise<Record<string, unknown>[]> {
  const ledger = new DynamoDbStockLedger(database.client, {
    inventory: database.tables.inventory,
    movements: database.tables.stockMovements,
  });
  const item = (await ledger.items([productId])).get(productId);
  const page = item && (await ledger.page(item, 1000));
  return page && page !== "bad-cursor" ? [...page.movements].reverse() : [];
}

async function stockOf(productId: string): Promise<number> {
  const result = await database.client.send(
    new GetCommand({ TableName: database.tables.inventory, Key: { ProductID: productId } }),
  );
  return Number(result.Item?.stock);
}

async function createOrder(items: { productId: string; quantity: number }[]): Promise<string> {
  const orderId = randomUUID();
  const now = new Date().toISOString();
  await orders.createPending(
    {
      orderId,
      status: "PROCESSING",
      customerEmail: "buyer@example.com",
      items,
      paymentToken: "tok_visa",
      requestHash: "h",
      createdAt: now,
      updatedAt: now,
    },
    `key-of-${orderId}`,
  );
  return orderId;
}

/** POST /orders of one unit of SKU-1001 under an Idempotency-Key. */
function postWithKey(key: string): APIGatewayProxyEvent {
  return {
    resource: "/orders",
    path: "/orders",
    httpMethod: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    requestContext: signedIn(BUYER),
    body: JSON.stringify({
      customerEmail: "buyer@example.com",
      items: [{ productId: "SKU-1001", quantity: 1 }],
      paymentToken: "tok_visa",
    }),
  } as unknown as APIGatewayProxyEvent;
}

/** Puts an order in a status directly, as another writer would have. */
async function setStatus(orderId: string, status: string): Promise<void> {
  await database.client.send(
    new UpdateCommand({
      TableName: database.tables.orders,
      Key: { orderId },
      UpdateExpression: "SET #s = :s",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: { ":s": status },
    }),
  );
}

test("200 concurrent single-unit orders against a stock of 10: exactly 10 decrements, stock 0", async () => {
  await seedProduct("RACE-1", 10);
  const orderIds = await Promise.all(
    Array.from({ length: 200 }, () => createOrder([{ productId: "RACE-1", quantity: 1 }])),
  );
  const outcomes = await Promise.allSettled(
    orderIds.map((id) => inventory.reserveStock(id, [{ productId: "RACE-1", quantity: 1 }])),
  );
  const reserved = outcomes.filter((o) => o.status === "fulfilled" && o.value === "reserved");
  const outOfStock = outcomes.filter(
    (o) => o.status === "rejected" && o.reason instanceof BusinessError && o.reason.name === "OutOfStock",
  );
  expect(reserved).toHaveLength(10);
  expect(outOfStock).toHaveLength(190);
  expect(await stockOf("RACE-1")).toBe(0);
  // A product kept from before movements: its stock then opens the ledger, then one sale per order.
  const movements = await movementsOf("RACE-1");
  expect(movements.map((m) => [m.seq, m.kind, m.delta, m.stockAfter])).toEqual([
    [1, "adjustment", 10, 10],
    ...Array.from({ length: 10 }, (_, i) => [i + 2, "sale", -1, 9 - i]),
  ]);
  expect(new Set(movements.slice(1).map((m) => m.orderId)).size).toBe(10);
});

test("a multi-item order with one item short changes nothing", async () => {
  await seedProduct("MULTI-A", 5);
  await seedProduct("MULTI-B", 1);
  const orderId = await createOrder([]);
  await expect(
    inventory.reserveStock(orderId, [
      { productId: "MULTI-A", quantity: 2 },
      { productId: "MULTI-B", quantity: 2 },
    ]),
  ).rejects.toMatchObject({ name: "OutOfStock", message: expect.stringContaining("MULTI-B") });
  expect(await stockOf("MULTI-A")).toBe(5);
  expect(await stockOf("MULTI-B")).toBe(1);
  const order = await orders.get(orderId);
  expect(order?.inventoryReserved).toBeUndefined();
});

test("an unknown product in a transaction is OutOfStock and changes nothing", async () => {
  await seedProduct("KNOWN-1", 3);
  const orderId = await createOrder([]);
  await expect(
    inventory.reserveStock(orderId, [
      { productId: "KNOWN-1", quantity: 1 },
      { productId: "NOT-THERE", quantity: 1 },
    ]),
  ).rejects.toMatchObject({ name: "OutOfStock" });
  expect(await stockOf("KNOWN-1")).toBe(3);
});

test("the same UpdateInventory call replayed 3 times decrements once", async () => {
  await seedProduct("REPLAY-1", 7);
  await seedProduct("REPLAY-2", 7);
  const lines = [
    { productId: "REPLAY-1", quantity: 2 },
    { productId: "REPLAY-2", quantity: 3 },
  ];
  const orderId = await createOrder(lines);
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await inventory.reserveStock(orderId, lines));
  expect(results[0]).toBe("reserved");
  expect(await stockOf("REPLAY-1")).toBe(5);
  expect(await stockOf("REPLAY-2")).toBe(4);
  // A replay after the token window is caught by the order marker.
  const marker = await orders.get(orderId);
  expect(marker?.inventoryReserved).toBe(true);
});

test("a second reservation for a reserved order never decrements again", async () => {
  await seedProduct("MARKER-1", 4);
  const orderId = await createOrder([{ productId: "MARKER-1", quantity: 1 }]);
  expect(await inventory.reserveStock(orderId, [{ productId: "MARKER-1", quantity: 1 }])).toBe("reserved");
  // Same order, other parameters: DynamoDB's token check (IdempotentParameterMismatch) stops it.
  expect(await inventory.reserveStock(orderId, [{ productId: "MARKER-1", quantity: 2 }])).toBe(
    "already-reserved",
  );
  expect(await stockOf("MARKER-1")).toBe(3);
});

test("the order marker alone stops a decrement when the request token is new", async () => {
  await seedProduct("MARKER-2", 4);
  const orderId = await createOrder([{ productId: "MARKER-2", quantity: 1 }]);
  await database.client.send(
    new UpdateCommand({
      TableName: database.tables.orders,
      Key: { orderId },
      UpdateExpression: "SET inventoryReserved = :t",
      ExpressionAttributeValues: { ":t": true },
    }),
  );
  expect(await inventory.reserveStock(orderId, [{ productId: "MARKER-2", quantity: 1 }])).toBe(
    "already-reserved",
  );
  expect(await stockOf("MARKER-2")).toBe(4);
});

test("releasing a reservation gives the stock back exactly once", async () => {
  await seedProduct("RELEASE-1", 5);
  const lines = [{ productId: "RELEASE-1", quantity: 3 }];
  const reserved = await createOrder(lines);
  expect(await inventory.reserveStock(reserved, lines)).toBe("reserved");
  expect(await stockOf("RELEASE-1")).toBe(2);
  expect(await inventory.releaseStock(reserved, lines)).toBe("released");
  expect(await inventory.releaseStock(reserved, lines)).toBe("nothing-reserved");
  expect(await stockOf("RELEASE-1")).toBe(5);
  const never = await createOrder(lines);
  expect(await inventory.releaseStock(never, lines)).toBe("nothing-reserved");
  expect(await stockOf("RELEASE-1")).toBe(5);
  expect((await movementsOf("RELEASE-1")).map((m) => [m.kind, m.delta, m.stockAfter, m.orderId])).toEqual([
    ["adjustment", 5, 5, undefined],
    ["sale", -3, 2, reserved],
    ["release", 3, 5, reserved],
  ]);
});

test("a new product's stock is its first movement; a product without stock has none", async () => {
  await inventory.seedProduct({ productId: "OPEN-1", name: "x", priceMinor: 100, currency: "USD", stock: 7 });
  await inventory.seedProduct({ productId: "OPEN-0", name: "y", priceMinor: 100, currency: "USD", stock: 0 });
  expect(await movementsOf("OPEN-1")).toEqual([
    expect.objectContaining({
      seq: 1,
      kind: "adjustment",
      reason: "received",
      by: "catalogue-seed",
      delta: 7,
    }),
  ]);
  expect(await movementsOf("OPEN-0")).toEqual([]);
  const orderId = await createOrder([{ productId: "OPEN-0", quantity: 1 }]);
  await expect(inventory.reserveStock(orderId, [{ productId: "OPEN-0", quantity: 1 }])).rejects.toMatchObject(
    {
      name: "OutOfStock",
    },
  );
  expect(await movementsOf("OPEN-0")).toEqual([]);
});

test("20 concurrent sales across the low-stock threshold: one movement marks the crossing, one message, stock after exact", async () => {
  const told: LowStock[] = [];
  const watched = new DynamoDbInventoryStore(
    database.client,
    database.tables.inventory,
    database.tables.orders,
    {
      movementsTable: database.tables.stockMovements,
      defaultThreshold: 5,
      alerts: { tell: async (low) => void told.push(...low) },
    },
  );
  await watched.seedProduct({
    productId: "BAND-1",
    name: "Band",
    priceMinor: 100,
    currency: "USD",
    stock: 12,
  });
  const seen = { stock: 12, logSize: 1, name: "Band" };
  const orderIds = await Promise.all(
    Array.from({ length: 20 }, () => createOrder([{ productId: "BAND-1", quantity: 1 }])),
  );
  const outcomes = await Promise.allSettled(
    orderIds.map((id) => watched.reserveStock(id, [{ productId: "BAND-1", quantity: 1, seen }])),
  );
  expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(12);
  expect(await stockOf("BAND-1")).toBe(0);
  const movements = await movementsOf("BAND-1");
  expect(movements.filter((m) => m.lowStock).map((m) => [m.kind, m.stockAfter])).toEqual([["sale", 5]]);
  expect(told.map((l) => [l.productId, l.stock, l.threshold])).toEqual([["BAND-1", 5, 5]]);
  expect(movements.map((m) => m.stockAfter)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
});

test("a long log is copied to the movements table, once however many copy it at once; a full one before the next sale", async () => {
  const ledger = new DynamoDbStockLedger(database.client, {
    inventory: database.tables.inventory,
    movements: database.tables.stockMovements,
  });
  const at = "2026-12-07T10:00:00.000Z";
  const log = Array.from({ length: LOG_MAX }, (_, i) => ({
    kind: "release",
    orderId: `o-${i}`,
    delta: 1,
    at,
  }));
  await database.client.send(
    new PutCommand({
      TableName: database.tables.inventory,
      Item: {
        ProductID: "LOG-1",
        name: "Log",
        priceMinor: 100,
        currency: "USD",
        stock: LOG_MAX,
        flushed: 0,
        log,
      },
    }),
  );
  // Full: the sale copies the log out first (its append would be refused), then sells.
  const orderId = await createOrder([{ productId: "LOG-1", quantity: 1 }]);
  expect(await inventory.reserveStock(orderId, [{ productId: "LOG-1", quantity: 1 }])).toBe("reserved");
  // Three copies at once of what is left: each movement lands once, numbered as it was.
  const item = (await ledger.items(["LOG-1"])).get("LOG-1")!;
  await Promise.all([ledger.flush(item), ledger.flush(item), ledger.flush(item)]);
  const movements = await movementsOf("LOG-1");
  expect(movements.map((m) => m.seq)).toEqual(Array.from({ length: LOG_MAX + 1 }, (_, i) => i + 1));
  expect(movements.at(-1)).toMatchObject({ kind: "sale", orderId, delta: -1, stockAfter: LOG_MAX - 1 });
  expect(movements[LOG_MAX - 1]).toMatchObject({ seq: LOG_MAX, kind: "release", stockAfter: LOG_MAX });
  expect(movements[0]).toMatchObject({ seq: 1, kind: "release", orderId: "o-0", stockAfter: 1 });
  expect(movements[150]).toMatchObject({ seq: 151, orderId: "o-150", stockAfter: 151 });
  const after = (await ledger.items(["LOG-1"])).get("LOG-1")!;
  expect(Number(after.flushed) + (after.log?.length ?? 0)).toBe(LOG_MAX + 1);
  // A movement is found by what it says, in the log or among the newest copied out.
  expect(await ledger.find(after, (m) => m.kind === "sale" && m.orderId === orderId)).toMatchObject({
    seq: 401,
  });
  // How many were copied out depends on whether the sale took its turn at copying: look just below.
  const copied = Number(after.flushed);
  expect(copied).toBeGreaterThanOrEqual(200);
  expect(
    await ledger.find(after, (m) => m.kind === "release" && m.orderId === `o-${copied - 11}`),
  ).toMatchObject({ seq: copied - 10, stockAfter: copied - 10 });
});

test("seeding never overwrites existing stock", async () => {
  await seedProduct("SEED-1", 2);
  const outcome = await inventory.seedProduct({
    productId: "SEED-1",
    name: "x",
    priceMinor: 1,
    currency: "USD",
    stock: 99,
  });
  expect(outcome).toBe("exists");
  expect(await stockOf("SEED-1")).toBe(2);
});

/** Records the local DynamoDB's change feed (the orders table's stream) holds for one order. */
async function streamRecordsOf(orderId: string): Promise<number> {
  const response = await fetch(database.db.endpoint, {
    method: "POST",
    headers: { "X-Amz-Target": READ_CHANGES_TARGET },
    body: JSON.stringify({ after: 0 }),
  });
  const page = (await response.json()) as ChangePage;
  return page.records.filter((r) => r.table === database.tables.orders && r.keys.orderId?.S === orderId)
    .length;
}

test("the same Idempotency-Key submitted concurrently 20 times creates one order, one key, one stream record", async () => {
  const placeOrder = createOrderPlacement({ orders, inventory });
  const key = `idem-${randomUUID()}`;
  const event = postWithKey(key);
  const responses = await Promise.all(Array.from({ length: 20 }, () => placeOrder(event)));
  const ids = new Set(responses.map((r) => JSON.parse(r.body).orderId));
  expect(responses.every((r) => r.statusCode === 200 || r.statusCode === 202)).toBe(true);
  expect(responses.filter((r) => r.statusCode === 202)).toHaveLength(1);
  expect(ids.size).toBe(1);
  const all = await database.client.send(new ScanCommand({ TableName: database.tables.orders }));
  expect((all.Items ?? []).filter((item) => item.idempotencyKey === key)).toHaveLength(1);
  const keys = await database.client.send(new ScanCommand({ TableName: database.tables.orderKeys }));
  expect((keys.Items ?? []).filter((item) => item.orderId === [...ids][0])).toHaveLength(1);
  // Replays write nothing: the order reaches the queue once, from its one write.
  expect(await streamRecordsOf([...ids][0])).toBe(1);
});

describe("the order store's guards, evaluated by DynamoDB itself", () => {
  test("an order and its key record are written together or not at all", async () => {
    const orderId = await createOrder([{ productId: "SKU-1001", quantity: 1 }]);
    const keyHash = `k-${randomUUID()}`;
    const clash = { ...(await orders.get(orderId))!, status: "PENDING" as const };
    // The order id is taken, so the transaction fails, and the new key is not recorded either.
    await expect(orders.createPending(clash, keyHash)).rejects.toMatchObject({
      name: "TransactionCanceledException",
    });
    const record = await database.client.send(
      new GetCommand({ TableName: database.tables.orderKeys, Key: { keyHash } }),
    );
    expect(record.Item).toBeUndefined();
  });

  test("a key names its order for idempotency_key_ttl_hours, then may be used again; its record carries the TTL attribute", async () => {
    const hourStore = new DynamoDbOrderStore(
      database.client,
      database.tables.orders,
      database.tables.orderKeys,
      3600,
    );
    const pending = (orderId: string) => ({
      orderId,
      status: "PENDING" as const,
      customerEmail: "buyer@example.com",
      items: [{ productId: "SKU-1001", quantity: 1 }],
      paymentToken: "tok_visa",
      requestHash: "h",
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    const keyHash = `ttl-${randomUUID()}`;
    const first = randomUUID();
    const before = Math.floor(Date.now() / 1000);
    expect(await hourStore.createPending(pending(first), keyHash)).toEqual({ created: true });
    const record = await database.client.send(
      new GetCommand({ TableName: database.tables.orderKeys, Key: { keyHash } }),
    );
    expect(record.Item?.expiresAt).toBeGreaterThanOrEqual(before + 3600);
    expect(record.Item?.expiresAt).toBeLessThanOrEqual(before + 3601);
    // Within the hour: the first order.
    await expect(hourStore.createPending(pending(randomUUID()), keyHash)).resolves.toMatchObject({
      created: false,
      existing: { orderId: first },
    });
    // Expired, but not yet deleted by DynamoDB's TTL (it takes its time): the key is free again.
    await database.client.send(
      new UpdateCommand({
        TableName: database.tables.orderKeys,
        Key: { keyHash },
        UpdateExpression: "SET expiresAt = :past",
        ExpressionAttributeValues: { ":past": before - 1 },
      }),
    );
    const second = randomUUID();
    expect(await hourStore.createPending(pending(second), keyHash)).toEqual({ created: true });
    // The first order is kept: orders never expire.
    expect(await hourStore.get(first)).toMatchObject({ orderId: first });
  });

  test("a stale PENDING order is touched once however many replays race; a fresh or moving one is not", async () => {
    const placeOrder = createOrderPlacement({ orders, inventory });
    const key = `stale-${randomUUID()}`;
    const orderId = JSON.parse((await placeOrder(postWithKey(key))).body).orderId as string;
    // A prompt replay leaves it alone.
    await placeOrder(postWithKey(key));
    expect(await streamRecordsOf(orderId)).toBe(1);
    await database.client.send(
      new UpdateCommand({
        TableName: database.tables.orders,
        Key: { orderId },
        UpdateExpression: "SET createdAt = :old",
        ExpressionAttributeValues: { ":old": "2026-01-01T00:00:00.000Z" },
      }),
    );
    const before = await streamRecordsOf(orderId);
    const replays = await Promise.all(Array.from({ length: 20 }, () => placeOrder(postWithKey(key))));
    expect(replays.every((r) => r.statusCode === 200)).toBe(true);
    expect(await streamRecordsOf(orderId)).toBe(before + 1);
    expect((await orders.get(orderId))?.requeuedAt).toEqual(expect.any(String));
    await setStatus(orderId, "PROCESSING");
    expect(await orders.requeue(orderId, new Date().toISOString(), new Date().toISOString())).toBe(false);
  });

  test.each(["CONFIRMED", "FAILED"] as const)(
    "a %s order cannot go back to PROCESSING: startPayment is refused and the order is unchanged",
    async (status) => {
      const orderId = await createOrder([{ productId: "SKU-1001", quantity: 1 }]);
      await setStatus(orderId, status);
      await expect(
        orders.startPayment(orderId, { lines: [], totalMinor: 100, currency: "USD" }),
      ).rejects.toMatchObject({ name: "OrderAlreadyFinished" });
      expect((await orders.get(orderId))?.status).toBe(status);
      expect((await orders.get(orderId))?.totalMinor).toBeUndefined();
    },
  );

  test("a FAILED order is never confirmed, and a confirmation happens once", async () => {
    const failed = await createOrder([{ productId: "SKU-1001", quantity: 1 }]);
    await setStatus(failed, "FAILED");
    expect(await orders.markConfirmed(failed)).toMatchObject({ changed: false, order: { status: "FAILED" } });
    expect((await orders.get(failed))?.status).toBe("FAILED");

    const processing = await createOrder([{ productId: "SKU-1001", quantity: 1 }]);
    expect(await orders.markConfirmed(processing)).toMatchObject({
      changed: true,
      order: { status: "CONFIRMED" },
    });
    expect(await orders.markConfirmed(processing)).toMatchObject({
      changed: false,
      order: { status: "CONFIRMED" },
    });
    expect(await orders.markConfirmed(randomUUID())).toBeUndefined();
  });

  test("opening the payment prices the order, marks it PROCESSING and counts attempts 1, 2, 3 in one write each", async () => {
    const orderId = await createOrder([{ productId: "SKU-1001", quantity: 2 }]);
    const lines = [
      { productId: "SKU-1001", name: "Shoes", quantity: 2, unitPriceMinor: 500, lineTotalMinor: 1000 },
    ];
    const priced = { lines, totalMinor: 1000, currency: "USD" };
    const attempts = [];
    for (let i = 0; i < 3; i++) attempts.push((await orders.startPayment(orderId, priced)).attempt);
    expect(attempts).toEqual([1, 2, 3]);
    const { order } = await orders.startPayment(orderId, priced);
    expect(order).toMatchObject({
      status: "PROCESSING",
      totalMinor: 1000,
      currency: "USD",
      lines,
      paymentToken: "tok_visa",
    });
    expect(await orders.get(orderId)).toMatchObject({ status: "PROCESSING", paymentAttempts: 4 });
    await expect(orders.startPayment(randomUUID(), priced)).rejects.toMatchObject({ name: "OrderNotFound" });
    await expect(orders.startPayment(randomUUID(), priced)).rejects.toBeInstanceOf(BusinessError);
  });

  test("a charge is recorded once; the same charge again is harmless, a refunded payment is never overwritten", async () => {
    const orderId = await createOrder([{ productId: "SKU-1001", quantity: 1 }]);
    const charge = { chargeId: "ch_1", amountMinor: 1000, provider: "simulated" } as const;
    await orders.recordCharge(orderId, charge);
    await orders.recordCharge(orderId, charge);
    await expect(orders.recordCharge(orderId, { ...charge, chargeId: "ch_2" })).rejects.toMatchObject({
      name: "PaymentAlreadySettled",
    });
    await orders.recordRefund(orderId, "re_1");
    await expect(orders.recordCharge(orderId, charge)).rejects.toMatchObject({
      name: "PaymentAlreadySettled",
    });
    expect((await orders.get(orderId))?.payment).toMatchObject({ status: "REFUNDED", chargeId: "ch_1" });
  });

  test("a first confirmation claims the confirmation e-mail in the same write; a replay claims nothing", async () => {
    const orderId = await createOrder([{ productId: "SKU-1001", quantity: 1 }]);
    const at = new Date().toISOString();
    expect(await orders.markConfirmed(orderId, { claimEmailAt: at })).toMatchObject({
      changed: true,
      order: { status: "CONFIRMED", confirmationEmail: { status: "SENDING", claimedAt: at } },
    });
    const later = new Date(Date.now() + 1000).toISOString();
    expect(await orders.markConfirmed(orderId, { claimEmailAt: later })).toMatchObject({
      changed: false,
      order: { confirmationEmail: { claimedAt: at } },
    });
    await orders.recordCustomerEmail(
      orderId,
      "confirmation",
      { status: "OFF", claimedAt: at },
      { confirmationNotified: true },
    );
    expect(await orders.get(orderId)).toMatchObject({
      confirmationEmail: { status: "OFF" },
      confirmationNotifiedAt: expect.any(String),
    });
  });

  test("a refund is recorded only on a charged order", async () => {
    const orderId = await createOrder([{ productId: "SKU-1001", quantity: 1 }]);
    await expect(orders.recordRefund(orderId, "re_1")).rejects.toMatchObject({
      name: "ConditionalCheckFailedException",
    });
    await orders.recordCharge(orderId, { chargeId: "pi_1", amountMinor: 1000, provider: "stripe" });
    await orders.recordRefund(orderId, "re_1");
    expect((await orders.get(orderId))?.payment).toEqual({
      status: "REFUNDED",
      chargeId: "pi_1",
      amountMinor: 1000,
      provider: "stripe",
      refundId: "re_1",
    });
  });
});

describe("the stores' reads and counters against dynalite", () => {
  test("the confirmation notice is recorded", async () => {
    const orderId = await createOrder([{ productId: "SKU-1001", quantity: 1 }]);
    await orders.markConfirmationNotified(orderId);
    expect((await orders.get(orderId))?.confirmationNotifiedAt).toEqual(expect.any(String));
  });

  test("products are read in batches of 100 and listed in id order", async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `BATCH-${String(i).padStart(3, "0")}`);
    for (const id of [...ids].reverse()) await seedProduct(id, 1);
    const found = await inventory.getProducts([...ids, "BATCH-MISSING"]);
    expect(found.size).toBe(120);
    expect(found.get("BATCH-119")).toMatchObject({ productId: "BATCH-119", stock: 1, priceMinor: 1000 });
    const listed = (await inventory.listProducts())
      .map((p) => p.productId)
      .filter((id) => id.startsWith("BATCH-"));
    expect(listed).toEqual(ids);
  });
});

describe("a customer's orders through the customer's-orders index", () => {
  const customerId = `customer-${randomUUID()}`;
  const at = (second: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, second)).toISOString();

  beforeAll(async () => {
    for (let i = 0; i < 7; i++) {
      await orders.createPending(
        {
          orderId: randomUUID(),
          status: "PENDING",
          customerId,
          customerEmail: "buyer@example.com",
          items: [{ productId: "SKU-1001", quantity: i + 1 }],
          paymentToken: "tok_visa",
          requestHash: "h",
          idempotencyKey: `k-${i}`,
          createdAt: at(i),
          updatedAt: at(i),
        },
        `${customerId}-k-${i}`,
      );
    }
    await createOrder([{ productId: "SKU-1001", quantity: 1 }]); // nobody's: no customerId
  });

  test("pages newest first, each order once, with the real DynamoDB Query and LastEvaluatedKey", async () => {
    const seen: string[] = [];
    let after;
    do {
      const page = await orders.listByCustomer(customerId, 3, after);
      seen.push(...page.orders.map((o) => o.createdAt));
      after = page.next;
    } while (after);
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0].map(at));
  });

  test("the index carries everything the order view shows, and not the payment token", async () => {
    const {
      orders: [listed],
    } = await orders.listByCustomer(customerId, 1);
    const full = await orders.get(listed.orderId);
    expect(orderView(listed)).toEqual(orderView(full!));
    expect(listed).not.toHaveProperty("paymentToken");
    expect(listed).not.toHaveProperty("idempotencyKey");
  });

  test("another customer's listing is empty", async () => {
    expect(await orders.listByCustomer("someone-else", 20)).toEqual({ orders: [], next: undefined });
  });
});
