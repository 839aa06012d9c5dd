/**
 * The returns' rules, in-process: every way into and out of a return's statuses, what a customer may
 * ask back (window, shipped units less those asked for, rejected returns freed), what a receipt may
 * take in and refunds (prices charged, capped by what is left), when the order is RETURNED, the
 * setting, and the e-mail data of each return e-mail.
 */
import type { OrderRecord } from "../../lambdas/orders/order";
import { RETURN_STATUSES, returnsView, type ReturnRecord } from "../../lambdas/orders/order-returns";
import {
  isLegalReturnTransition,
  planReceipt,
  receiptIdOf,
  rejectionRefusal,
  returnIdOf,
  returnRequestRefusal,
  returnWindowSetting,
  RETURN_TRANSITIONS,
  type PlannedReceipt,
} from "../../lambdas/returns/return";
import { returnEmailData } from "../../lambdas/email/customer-emails";
import { emailAttributeOf } from "../../lambdas/orders/order";
import { emailsOf } from "../../lambdas/customers/personal-data";

const SHIPPED_AT = "2026-11-01T10:00:00.000Z";

function order(fields: Partial<OrderRecord> = {}): OrderRecord {
  return {
    orderId: "o-1",
    status: "SHIPPED",
    customerEmail: "buyer@example.com",
    items: [
      { productId: "A", quantity: 2 },
      { productId: "B", quantity: 1 },
    ],
    lines: [
      { productId: "A", name: "Shirt", quantity: 2, unitPriceMinor: 750, lineTotalMinor: 1500 },
      { productId: "B", name: "Mug", quantity: 1, unitPriceMinor: 1200, lineTotalMinor: 1200 },
    ],
    totalMinor: 2700,
    currency: "USD",
    paymentToken: "tok",
    requestHash: "h",
    createdAt: "2026-10-30T10:00:00.000Z",
    updatedAt: SHIPPED_AT,
    payment: { status: "CHARGED", chargeId: "ch_1", amountMinor: 2700 },
    shipment: { carrier: "DHL", trackingNumber: "T1", by: "staff", at: SHIPPED_AT },
    ...fields,
  };
}

const requested = (
  returnId: string,
  items: ReturnRecord["items"],
  fields: Partial<ReturnRecord> = {},
): ReturnRecord => ({
  returnId,
  status: "REQUESTED",
  items,
  reason: "Too small",
  requestedAt: SHIPPED_AT,
  requestedBy: "c-1",
  ...fields,
});

const day = (n: number) => new Date(Date.parse(SHIPPED_AT) + n * 86_400_000);
const receiptOf = (items: { productId: string; quantity: number; restock: boolean }[]) => ({
  receiptId: "rcp_1",
  items,
  by: "staff-1",
  at: day(5).toISOString(),
});

describe("a return's statuses", () => {
  test.each<[string, string, boolean]>([
    ["REQUESTED", "PARTIALLY_RECEIVED", true],
    ["REQUESTED", "RECEIVED", true],
    ["REQUESTED", "REJECTED", true],
    ["PARTIALLY_RECEIVED", "PARTIALLY_RECEIVED", true],
    ["PARTIALLY_RECEIVED", "RECEIVED", true],
    ["PARTIALLY_RECEIVED", "REJECTED", false],
    ["REQUESTED", "REQUESTED", false],
  ])("%s → %s legal: %s", (from, to, legal) => {
    expect(isLegalReturnTransition(from as never, to as never)).toBe(legal);
  });

  test("RECEIVED and REJECTED are final; every status has its transitions", () => {
    expect(Object.keys(RETURN_TRANSITIONS)).toEqual([...RETURN_STATUSES]);
    for (const to of RETURN_STATUSES) {
      expect(isLegalReturnTransition("RECEIVED", to)).toBe(false);
      expect(isLegalReturnTransition("REJECTED", to)).toBe(false);
    }
  });

  test("ids are derived from the request's key: the same key, the same return or receipt", () => {
    expect(returnIdOf("o-1", "k")).toBe(returnIdOf("o-1", "k"));
    expect(returnIdOf("o-1", "k")).not.toBe(returnIdOf("o-2", "k"));
    expect(returnIdOf("o-1", "k")).toMatch(/^ret_[0-9a-f]{20}$/);
    expect(receiptIdOf("ret_1", "k")).not.toBe(receiptIdOf("ret_2", "k"));
  });
});

describe("asking for a return", () => {
  const one = [{ productId: "A", quantity: 1 }];

  test("a shipped order within the window may be asked back, up to the window's last moment", () => {
    expect(returnRequestRefusal(order(), one, day(1), 30)).toBeUndefined();
    expect(returnRequestRefusal(order(), one, day(30), 30)).toBeUndefined();
    expect(returnRequestRefusal(order(), one, new Date(day(30).getTime() + 1), 30)?.code).toBe(
      "RETURN_WINDOW_CLOSED",
    );
  });

  test("returns off, an order not shipped (or already returned), a product not in the order", () => {
    expect(returnRequestRefusal(order(), one, day(1), 0)?.code).toBe("RETURNS_DISABLED");
    for (const status of ["CONFIRMED", "PENDING", "CANCELLED", "FAILED", "RETURNED"] as const) {
      expect(returnRequestRefusal(order({ status }), one, day(1), 30)?.code).toBe("ORDER_NOT_RETURNABLE");
    }
    expect(returnRequestRefusal(order(), [{ productId: "Z", quantity: 1 }], day(1), 30)?.code).toBe(
      "INVALID_ITEMS",
    );
  });

  test("never more than shipped less what other returns ask; a rejected return's units are free again", () => {
    const asked = order({ returns: [requested("r1", [{ productId: "A", quantity: 1 }])] });
    expect(returnRequestRefusal(asked, [{ productId: "A", quantity: 1 }], day(1), 30)).toBeUndefined();
    expect(returnRequestRefusal(asked, [{ productId: "A", quantity: 2 }], day(1), 30)).toMatchObject({
      code: "RETURN_EXCEEDS_ORDER",
      returnable: { A: 1, B: 1 },
    });
    const rejected = order({
      returns: [requested("r1", [{ productId: "A", quantity: 2 }], { status: "REJECTED" })],
    });
    expect(returnRequestRefusal(rejected, [{ productId: "A", quantity: 2 }], day(1), 30)).toBeUndefined();
  });
});

describe("receiving a return", () => {
  const withReturn = (fields: Partial<OrderRecord> = {}, items = [{ productId: "A", quantity: 2 }]) =>
    order({ returns: [requested("r1", items)], ...fields });

  test("part of it: PARTIALLY_RECEIVED, refunded at the price charged; the rest: RECEIVED", () => {
    const first = planReceipt(
      withReturn(),
      "r1",
      receiptOf([{ productId: "A", quantity: 1, restock: true }]),
    );
    expect(first).toMatchObject({
      receipt: { refundMinor: 750 },
      returned: { status: "PARTIALLY_RECEIVED" },
      orderReturned: false,
    });
    expect((first as PlannedReceipt).returned.receivedAt).toBeUndefined();
    const after = withReturn({ returns: [(first as PlannedReceipt).returned], refundedTotal: 750 });
    const second = planReceipt(after, "r1", {
      ...receiptOf([{ productId: "A", quantity: 1, restock: false }]),
      receiptId: "rcp_2",
    });
    expect(second).toMatchObject({
      receipt: { refundMinor: 750 },
      returned: { status: "RECEIVED", receivedAt: day(5).toISOString() },
      orderReturned: false, // the mug was never asked back
    });
  });

  test("every shipped unit received: the order is RETURNED", () => {
    const all = withReturn({}, [
      { productId: "A", quantity: 2 },
      { productId: "B", quantity: 1 },
    ]);
    const planned = planReceipt(
      all,
      "r1",
      receiptOf([
        { productId: "A", quantity: 2, restock: true },
        { productId: "B", quantity: 1, restock: false },
      ]),
    );
    expect(planned).toMatchObject({ receipt: { refundMinor: 2700 }, orderReturned: true });
  });

  test("the refund is capped by what is left after earlier refunds (0 when nothing is)", () => {
    const line = receiptOf([{ productId: "A", quantity: 2, restock: true }]);
    expect(planReceipt(withReturn({ refundedTotal: 2000 }), "r1", line)).toMatchObject({
      receipt: { refundMinor: 700 },
    });
    expect(
      planReceipt(
        withReturn({
          refundedTotal: 2700,
          payment: { status: "REFUNDED", chargeId: "c", amountMinor: 2700 },
        }),
        "r1",
        line,
      ),
    ).toMatchObject({ receipt: { refundMinor: 0 } });
  });

  test("refusals: no such return, more than asked, a product not in it, rejected, the order not shipped", () => {
    const line = receiptOf([{ productId: "A", quantity: 1, restock: true }]);
    expect(planReceipt(withReturn(), "nope", line)).toMatchObject({ code: "RETURN_NOT_FOUND" });
    expect(
      planReceipt(withReturn(), "r1", receiptOf([{ productId: "A", quantity: 3, restock: true }])),
    ).toMatchObject({ code: "RETURN_EXCEEDS_REQUEST", expected: { A: 2 } });
    expect(
      planReceipt(withReturn(), "r1", receiptOf([{ productId: "B", quantity: 1, restock: true }])),
    ).toMatchObject({ code: "INVALID_ITEMS" });
    const rejected = order({
      returns: [requested("r1", [{ productId: "A", quantity: 1 }], { status: "REJECTED" })],
    });
    expect(planReceipt(rejected, "r1", line)).toMatchObject({ code: "RETURN_NOT_RECEIVABLE" });
    expect(planReceipt(withReturn({ status: "CANCELLED" }), "r1", line)).toMatchObject({
      code: "RETURN_NOT_RECEIVABLE",
    });
  });

  test("only a return with nothing received can be rejected", () => {
    expect(rejectionRefusal(withReturn(), "r1")).toBeUndefined();
    expect(rejectionRefusal(withReturn(), "r2")?.code).toBe("RETURN_NOT_FOUND");
    for (const status of ["PARTIALLY_RECEIVED", "RECEIVED", "REJECTED"] as const) {
      const o = order({ returns: [requested("r1", [{ productId: "A", quantity: 1 }], { status })] });
      expect(rejectionRefusal(o, "r1")?.code).toBe("RETURN_NOT_REJECTABLE");
    }
  });
});

test("return_window_days is a whole number of days from 0 to 365", () => {
  expect(returnWindowSetting("0")).toBe(0);
  expect(returnWindowSetting("365")).toBe(365);
  for (const bad of ["", "-1", "366", "2.5", "thirty"])
    expect(() => returnWindowSetting(bad)).toThrow(/return_window_days/);
});

test("the view names each receipt's refund; the e-mails say what was asked, received and refunded, or rejected", () => {
  const receipt = { ...receiptOf([{ productId: "A", quantity: 1, restock: true }]), refundMinor: 750 };
  const o = order({
    returns: [
      requested("r1", [{ productId: "A", quantity: 1 }], {
        status: "RECEIVED",
        receipts: [receipt],
        receivedAt: receipt.at,
      }),
    ],
    refunds: [
      {
        refundId: "re_1",
        amountMinor: 750,
        reason: "Return r1 received",
        by: "staff-1",
        at: receipt.at,
        receiptId: "rcp_1",
      },
    ],
  });
  expect(returnsView(o)).toEqual([
    expect.objectContaining({
      returnId: "r1",
      status: "RECEIVED",
      refundId: "re_1",
      receivedAt: receipt.at,
      receipts: [expect.objectContaining({ receiptId: "rcp_1", refund: 7.5, refundId: "re_1" })],
    }),
  ]);
  expect(returnEmailData(o, { kind: "returnReceived", returnId: "r1", receiptId: "rcp_1" })).toMatchObject({
    items: [{ name: "Shirt", productId: "A", quantity: 1 }],
    amount: expect.stringContaining("7.50"),
    progress: "Your return is complete.",
  });
  expect(returnEmailData(o, { kind: "returnRequested", returnId: "r1" })).toMatchObject({
    reason: "Too small",
  });
  // A receipt whose refund is not recorded yet is not announced.
  const unrefunded = { ...o, refunds: [] };
  expect(() =>
    returnEmailData(unrefunded, { kind: "returnReceived", returnId: "r1", receiptId: "rcp_1" }),
  ).toThrow(/does not record the refund/);
  // Each return e-mail has its own record on the order.
  const attributes = [
    emailAttributeOf({ kind: "returnRequested", returnId: "r1" }),
    emailAttributeOf({ kind: "returnRejected", returnId: "r1" }),
    emailAttributeOf({ kind: "returnReceived", returnId: "r1", receiptId: "rcp_1" }),
    emailAttributeOf({ kind: "returnReceived", returnId: "r1", receiptId: "rcp_2" }),
  ];
  expect(new Set(attributes).size).toBe(4);
  // The customer's export lists the return e-mails the order keeps.
  const mailed = {
    ...o,
    [attributes[0]]: { status: "SENT", claimedAt: "t", messageId: "m1", sentAt: "t1" },
    [attributes[2]]: { status: "SENT", claimedAt: "t", messageId: "m2", sentAt: "t2" },
  } as OrderRecord;
  expect(emailsOf(mailed).map((e) => e.kind)).toEqual(["return r1 requested", "return r1 received (rcp_1)"]);
});
