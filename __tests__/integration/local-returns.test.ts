/**
 * Returns end to end on the local runtime (AfterSale behind the API, local IAM enforcing its
 * synthesized role): a customer asks to send units back, staff receive them (restocked or not) and
 * the money goes back at the prices charged, once per receipt however often it is asked; the order
 * ends RETURNED and REFUNDED with its stock whole; refusals carry their codes and change nothing;
 * every change e-mails the customer; the payment reconciliation finds nothing.
 */
import { randomUUID } from "node:crypto";
import type { CapturedEmail } from "../../local/ses/email";
import { apiCall, codeOf, localStaffToken } from "../support/local-api";
import { startTestSystem, type TestSystem } from "../support/local-system";

jest.setTimeout(120_000);

let t: TestSystem;
let staff: string;
const afterSaleLogs: string[] = [];

beforeAll(async () => {
  t = await startTestSystem({
    onHandlerLog: (group, text) => {
      if (group.endsWith("after-sale")) afterSaleLogs.push(text);
    },
  });
  staff = await localStaffToken(t.system.url, "returns.desk@shop.example.com");
});
afterAll(() => t?.stop());

const call = (method: string, path: string, token: string | undefined, body?: unknown, key?: string) =>
  apiCall(t.system.url, method, path, token, body, key);

async function newProduct(price: string, stock = 20): Promise<string> {
  const productId = `RET-${randomUUID().slice(0, 8)}`;
  const created = await call(
    "POST",
    "/products",
    staff,
    { productId, name: `Returnable ${productId}`, price, stock },
    randomUUID(),
  );
  expect(created.status).toBe(201);
  return productId;
}

/** A confirmed order of these lines, shipped by staff (unless `ship` is false). */
async function shippedOrder(items: { productId: string; quantity: number }[], ship = true): Promise<string> {
  const placed = await t.placeOrder({ paymentToken: "tok_visa", items }, randomUUID());
  expect(placed.status).toBe(202);
  const orderId = String(placed.body.orderId);
  expect((await t.waitForFinalStatus(orderId, 60_000)).status).toBe("CONFIRMED");
  if (ship) {
    const shipped = await call("POST", `/orders/${orderId}/shipment`, staff, {
      carrier: "DHL",
      trackingNumber: `T${orderId.slice(0, 6)}`,
    });
    expect(shipped.status).toBe(201);
  }
  return orderId;
}

const askReturn = (orderId: string, body: unknown, key = randomUUID(), token = t.token) =>
  call("POST", `/orders/${orderId}/returns`, token, body, key);
const receive = (orderId: string, returnId: string, items: unknown[], key = randomUUID()) =>
  call("POST", `/orders/${orderId}/returns/${returnId}/receipt`, staff, { items }, key);
const reject = (orderId: string, returnId: string, reason: string) =>
  call("POST", `/orders/${orderId}/returns/${returnId}/rejection`, staff, { reason });
const returnIdOf = (answer: { body: Record<string, unknown> }) =>
  (answer.body.return as { returnId: string }).returnId;

async function emailsAbout(orderId: string): Promise<CapturedEmail[]> {
  await t.system.settled();
  const listed = (await (await fetch(`${t.system.url}/_local/emails`)).json()) as { emails: CapturedEmail[] };
  return listed.emails.filter((e) => e.text.includes(orderId));
}

async function returnMovements(productId: string, orderId: string) {
  const page = await call("GET", `/products/${productId}/stock-movements?limit=100`, staff);
  expect(page.status).toBe(200);
  return (
    page.body.movements as { kind: string; orderId?: string; returnId?: string; delta: number }[]
  ).filter((m) => m.kind === "return" && m.orderId === orderId);
}

test("one of two units back and restocked, then the rest (one damaged): refunded at the prices charged, RETURNED, REFUNDED, stock whole, e-mailed, books clean", async () => {
  const shirt = await newProduct("7.50");
  const mug = await newProduct("12.00");
  const orderId = await shippedOrder([
    { productId: shirt, quantity: 2 },
    { productId: mug, quantity: 1 },
  ]);
  const shirtsAfterSale = await t.stockOf(shirt);
  const mugsAfterSale = await t.stockOf(mug);

  const key = randomUUID();
  const asked = await askReturn(
    orderId,
    { items: [{ productId: shirt, quantity: 1 }], reason: "Too small" },
    key,
  );
  expect(asked.status).toBe(201);
  expect(asked.body.return).toMatchObject({
    status: "REQUESTED",
    items: [{ productId: shirt, quantity: 1 }],
    reason: "Too small",
    requestedAt: expect.any(String),
  });
  const first = returnIdOf(asked);
  // The same request again: the same return; the key with another body: refused.
  const again = await askReturn(
    orderId,
    { items: [{ productId: shirt, quantity: 1 }], reason: "Too small" },
    key,
  );
  expect([again.status, again.headers.get("Idempotent-Replayed"), returnIdOf(again)]).toEqual([
    200,
    "true",
    first,
  ]);
  expect(
    codeOf(
      await askReturn(orderId, { items: [{ productId: shirt, quantity: 2 }], reason: "Too small" }, key),
    ),
  ).toBe("IDEMPOTENCY_KEY_REUSED");

  const received = await receive(orderId, first, [{ productId: shirt, quantity: 1, restock: true }]);
  expect(received.status).toBe(201);
  expect(received.body).toMatchObject({
    return: {
      returnId: first,
      status: "RECEIVED",
      receivedAt: expect.any(String),
      refundId: expect.any(String),
    },
    receipt: { refund: 7.5, refundId: expect.any(String) },
    orderStatus: "SHIPPED",
    paymentStatus: "PARTIALLY_REFUNDED",
    refundedTotal: 7.5,
  });
  expect(await t.stockOf(shirt)).toBe(shirtsAfterSale + 1);
  expect(await returnMovements(shirt, orderId)).toEqual([
    expect.objectContaining({ kind: "return", orderId, returnId: first, delta: 1 }),
  ]);

  // The rest: one shirt back on the shelf, the mug damaged (refunded, kept out of stock).
  const rest = await askReturn(orderId, {
    items: [
      { productId: shirt, quantity: 1 },
      { productId: mug, quantity: 1 },
    ],
    reason: "Changed my mind",
  });
  expect(rest.status).toBe(201);
  const second = returnIdOf(rest);
  const partly = await receive(orderId, second, [{ productId: shirt, quantity: 1, restock: true }]);
  expect(partly.body).toMatchObject({
    return: { status: "PARTIALLY_RECEIVED" },
    orderStatus: "SHIPPED",
    refundedTotal: 15,
  });
  const whole = await receive(orderId, second, [{ productId: mug, quantity: 1, restock: false }]);
  expect(whole.status).toBe(201);
  expect(whole.body).toMatchObject({
    return: { status: "RECEIVED" },
    orderStatus: "RETURNED",
    paymentStatus: "REFUNDED",
    refundedTotal: 27,
  });
  expect(await t.stockOf(shirt)).toBe(shirtsAfterSale + 2);
  expect(await t.stockOf(mug)).toBe(mugsAfterSale);

  const order = (await t.getOrder(orderId)).body;
  expect(order).toMatchObject({ status: "RETURNED", paymentStatus: "REFUNDED", refundedTotal: 27 });
  const returns = order.returns as {
    returnId: string;
    status: string;
    refundId?: string;
    receipts?: unknown[];
  }[];
  expect(returns.map((r) => [r.returnId, r.status, r.receipts?.length])).toEqual([
    [first, "RECEIVED", 1],
    [second, "RECEIVED", 2],
  ]);
  const refunds = order.refunds as { id: string; amount: number }[];
  expect(refunds.map((r) => r.amount)).toEqual([7.5, 7.5, 12]);
  expect(returns.every((r) => refunds.some((refund) => refund.id === r.refundId))).toBe(true);
  // RETURNED is final: nothing more can be asked back.
  expect(
    codeOf(await askReturn(orderId, { items: [{ productId: shirt, quantity: 1 }], reason: "Again" })),
  ).toBe("ORDER_NOT_RETURNABLE");

  const mails = await emailsAbout(orderId);
  const about = (template: string) => mails.filter((m) => m.template.endsWith(template));
  expect(about("return-requested")).toHaveLength(2);
  expect(about("return-received")).toHaveLength(3);
  expect(
    about("return-received")
      .map((m) => m.text)
      .join("\n"),
  ).toContain("Your return is complete.");
  expect(about("return-requested")[0].text).toContain("What happens next");

  // The return routes load at first use, in a bundle of their own, and log (and count) through the
  // handler's own logger and metrics: with the invocation's context, flushed with it.
  const receivedLines = afterSaleLogs
    .flatMap((text) => text.split("\n"))
    .filter((line) => line.includes('"message":"Return received"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(receivedLines.length).toBeGreaterThan(0);
  for (const line of receivedLines) {
    expect(line).toMatchObject({ function_request_id: expect.any(String), service: "after-sale" });
  }

  const reconciled = (await (
    await fetch(`${t.system.url}/_local/reconcile-payments`, { method: "POST" })
  ).json()) as {
    findings: { orderId: string | null }[];
  };
  expect(reconciled.findings.filter((f) => f.orderId === orderId)).toEqual([]);
});

test("refused with their codes, changing nothing: unshipped, another customer's, more than shipped, after the window, bad bodies", async () => {
  const product = await newProduct("3.00");
  const confirmed = await shippedOrder([{ productId: product, quantity: 2 }], false);
  const one = { items: [{ productId: product, quantity: 1 }], reason: "Broken" };
  expect(codeOf(await askReturn(confirmed, one))).toBe("ORDER_NOT_RETURNABLE");

  const orderId = await shippedOrder([{ productId: product, quantity: 2 }]);
  const stranger = await t.tokenFor("stranger@example.com");
  const theirs = await askReturn(orderId, one, randomUUID(), stranger);
  expect([theirs.status, codeOf(theirs)]).toEqual([404, "ORDER_NOT_FOUND"]);
  const over = await askReturn(orderId, { items: [{ productId: product, quantity: 3 }], reason: "All" });
  expect([over.status, codeOf(over), over.body.error]).toEqual([
    409,
    "RETURN_EXCEEDS_ORDER",
    expect.objectContaining({ details: { returnable: { [product]: 2 } } }),
  ]);
  expect((await askReturn(orderId, one)).status).toBe(201);
  // One unit is asked for already: two more exceed what is left.
  expect(
    codeOf(await askReturn(orderId, { items: [{ productId: product, quantity: 2 }], reason: "x" })),
  ).toBe("RETURN_EXCEEDS_ORDER");

  const bad: [unknown, string][] = [
    [{ ...one, extra: 1 }, "INVALID_BODY"],
    [{ items: [{ productId: product, quantity: 0 }], reason: "x" }, "INVALID_BODY"],
    [{ items: [{ productId: product, quantity: 1.5 }], reason: "x" }, "INVALID_BODY"],
    [{ items: [], reason: "x" }, "INVALID_BODY"],
    [{ items: [{ productId: "NOT-IN-ORDER", quantity: 1 }], reason: "x" }, "INVALID_ITEMS"],
    [
      {
        items: [
          { productId: product, quantity: 1 },
          { productId: product, quantity: 1 },
        ],
        reason: "x",
      },
      "DUPLICATE_PRODUCT",
    ],
    [{ ...one, reason: "  " }, "INVALID_REASON"],
    [{ ...one, reason: "x".repeat(501) }, "INVALID_REASON"],
    [{ ...one, reason: "line\nbreak" }, "INVALID_REASON"],
  ];
  for (const [body, code] of bad) {
    const answer = await askReturn(orderId, body);
    expect([answer.status, codeOf(answer)]).toEqual([400, code]);
  }
  const keyless = await call("POST", `/orders/${orderId}/returns`, t.token, one);
  expect(codeOf(keyless)).toBe("IDEMPOTENCY_KEY_REQUIRED");
  expect(((await t.getOrder(orderId)).body.returns as unknown[]).length).toBe(1);

  // Shipped 31 days ago: the 30-day window is closed.
  await t.updateOrder(
    orderId,
    "SET shipment.#at = :at",
    { "#at": "at" },
    {
      ":at": new Date(Date.now() - 31 * 86_400_000).toISOString(),
    },
  );
  const late = await askReturn(orderId, one);
  expect([late.status, codeOf(late)]).toEqual([409, "RETURN_WINDOW_CLOSED"]);
});

test("ten parallel receipts of one return (one request retried, and ten different ones): refunded once, restocked once", async () => {
  const product = await newProduct("9.99");
  // Three shipped, two returned: every receipt below has money left to refund, so only the
  // returns' own guard keeps a second receipt out.
  const orderId = await shippedOrder([{ productId: product, quantity: 3 }]);
  const before = await t.stockOf(product);
  const asked = await askReturn(orderId, {
    items: [{ productId: product, quantity: 1 }],
    reason: "Wrong colour",
  });
  const returnId = returnIdOf(asked);

  const key = randomUUID();
  const retried = await Promise.all(
    Array.from({ length: 10 }, () =>
      receive(orderId, returnId, [{ productId: product, quantity: 1, restock: true }], key),
    ),
  );
  expect(retried.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
  const refundIds = new Set(retried.map((a) => (a.body.receipt as { refundId: string }).refundId));
  expect(refundIds.size).toBe(1);

  const asked2 = await askReturn(orderId, {
    items: [{ productId: product, quantity: 1 }],
    reason: "Second one",
  });
  const distinct = await Promise.all(
    Array.from({ length: 10 }, () =>
      receive(orderId, returnIdOf(asked2), [{ productId: product, quantity: 1, restock: true }]),
    ),
  );
  expect(distinct.filter((a) => a.status === 201)).toHaveLength(1);
  expect(distinct.filter((a) => a.status !== 201).map(codeOf)).toEqual(
    Array(9).fill("RETURN_EXCEEDS_REQUEST"),
  );

  const order = (await t.getOrder(orderId)).body;
  expect(order).toMatchObject({
    status: "SHIPPED",
    paymentStatus: "PARTIALLY_REFUNDED",
    refundedTotal: 19.98,
  });
  expect((order.refunds as unknown[]).length).toBe(2);
  expect(await t.stockOf(product)).toBe(before + 2);
  expect(await returnMovements(product, orderId)).toHaveLength(2);
  const received = (await emailsAbout(orderId)).filter((m) => m.template.endsWith("return-received"));
  expect(received).toHaveLength(2);
});

test("staff reject a return before anything arrives (e-mailed; its units may be asked again); a received one cannot be rejected", async () => {
  const product = await newProduct("5.00");
  const orderId = await shippedOrder([{ productId: product, quantity: 1 }]);
  const asked = await askReturn(orderId, { items: [{ productId: product, quantity: 1 }], reason: "Meh" });
  const returnId = returnIdOf(asked);
  const rejected = await reject(orderId, returnId, "Worn and washed");
  expect(rejected.status).toBe(201);
  expect(rejected.body.return).toMatchObject({
    status: "REJECTED",
    rejection: { reason: "Worn and washed" },
  });
  expect((await reject(orderId, returnId, "Worn and washed")).status).toBe(200);
  expect(codeOf(await reject(orderId, returnId, "Another reason"))).toBe("RETURN_NOT_REJECTABLE");
  expect(codeOf(await receive(orderId, returnId, [{ productId: product, quantity: 1, restock: true }]))).toBe(
    "RETURN_NOT_RECEIVABLE",
  );
  expect((await emailsAbout(orderId)).filter((m) => m.template.endsWith("return-rejected"))).toHaveLength(1);

  const again = await askReturn(orderId, {
    items: [{ productId: product, quantity: 1 }],
    reason: "Unworn, promise",
  });
  expect(again.status).toBe(201);
  const againId = returnIdOf(again);
  expect(codeOf(await receive(orderId, againId, [{ productId: product, quantity: 2, restock: true }]))).toBe(
    "RETURN_EXCEEDS_REQUEST",
  );
  expect((await receive(orderId, againId, [{ productId: product, quantity: 1, restock: true }])).status).toBe(
    201,
  );
  expect(codeOf(await reject(orderId, againId, "Too late"))).toBe("RETURN_NOT_REJECTABLE");
  expect(codeOf(await reject(orderId, "ret_00000000000000000000", "x"))).toBe("RETURN_NOT_FOUND");
  // Customers cannot receive or reject.
  const notStaff = await call("POST", `/orders/${orderId}/returns/${againId}/rejection`, t.token, {
    reason: "x",
  });
  expect(codeOf(notStaff)).toBe("STAFF_ONLY");
});

test("return_window_days = 0: the store takes no returns", async () => {
  const off = await startTestSystem({ returnWindowDays: 0 });
  try {
    const placed = await off.placeOrder(
      { paymentToken: "tok_visa", items: [{ productId: "SKU-1001", quantity: 1 }] },
      randomUUID(),
    );
    const orderId = String(placed.body.orderId);
    await off.waitForFinalStatus(orderId, 60_000);
    const offStaff = await localStaffToken(off.system.url, "staff@shop.example.com");
    await apiCall(off.system.url, "POST", `/orders/${orderId}/shipment`, offStaff, {
      carrier: "DHL",
      trackingNumber: "T1",
    });
    const refused = await apiCall(
      off.system.url,
      "POST",
      `/orders/${orderId}/returns`,
      off.token,
      {
        items: [{ productId: "SKU-1001", quantity: 1 }],
        reason: "x",
      },
      randomUUID(),
    );
    expect([refused.status, codeOf(refused)]).toEqual([409, "RETURNS_DISABLED"]);
  } finally {
    await off.stop();
  }
});
