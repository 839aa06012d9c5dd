/**
 * The billed DynamoDB endpoint's rules (local/dynamodb/billing.ts), run in the database's process:
 * what it asks local IAM and how often, what it bills, what the caller gets back, and its IPC
 * channel to the runtime that keeps the bill.
 */
import { EventEmitter } from "node:events";
import {
  answerBillingRequests,
  Billing,
  billingOverIpc,
  RUNTIME_GONE,
  type BilledRequest,
  type BillingPort,
} from "../../local/dynamodb/billing";
import { accessKeyOf } from "../../local/iam/access-guard";

const signedBy = (key: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
});
const request = (operation: string, body: Record<string, unknown>): BilledRequest => ({
  operation,
  raw: JSON.stringify(body),
  body,
});
const getItem = request("GetItem", { TableName: "orders", Key: { orderId: { S: "o-1" } } });

function port(denial?: string) {
  const recorded: unknown[] = [];
  const asked: string[] = [];
  const billing: BillingPort = {
    record: (operation, units) => recorded.push([operation, units]),
    decide: (principal) => {
      asked.push(principal);
      return denial;
    },
  };
  return { billing, recorded, asked };
}

describe("local IAM on the billed endpoint", () => {
  test("an allowed call is asked once per principal and checks; a denial every time", async () => {
    const allowed = port();
    const billing = new Billing(allowed.billing);
    expect(await billing.denial(signedBy(accessKeyOf("OrderSuccessHandler")), getItem)).toBeUndefined();
    expect(await billing.denial(signedBy(accessKeyOf("OrderSuccessHandler")), getItem)).toBeUndefined();
    expect(await billing.denial(signedBy(accessKeyOf("ProcessPayment")), getItem)).toBeUndefined();
    expect(allowed.asked).toEqual(["OrderSuccessHandler", "ProcessPayment"]);

    const denied = port("User: … is not authorized to perform: dynamodb:GetItem");
    const refusing = new Billing(denied.billing);
    for (let i = 0; i < 2; i++) {
      expect(await refusing.denial(signedBy(accessKeyOf("OrderPlacement")), getItem)).toMatch(
        /not authorized/,
      );
    }
    expect(denied.asked).toEqual(["OrderPlacement", "OrderPlacement"]);
  });

  test("the runtime's own calls (no function's key) and --no-iam ask nothing", async () => {
    const asking = port("denied");
    expect(await new Billing(asking.billing).denial(signedBy("local"), getItem)).toBeUndefined();
    expect(asking.asked).toEqual([]);
    const noIam = new Billing({ record: () => undefined });
    expect(await noIam.denial(signedBy(accessKeyOf("OrderPlacement")), getItem)).toBeUndefined();
  });
});

describe("the bill", () => {
  test("a billed call asks for its capacity, is billed it, and the caller gets the answer without it", () => {
    const { billing, recorded } = port();
    const metering = new Billing(billing);
    const sent = metering.bodyToSend(getItem);
    expect(JSON.parse(sent.text)).toEqual({ ...getItem.body, ReturnConsumedCapacity: "TOTAL" });
    expect(sent.body).toEqual(JSON.parse(sent.text));
    const answer = JSON.stringify({
      Item: { orderId: { S: "o-1" } },
      ConsumedCapacity: { CapacityUnits: 0.5 },
    });
    expect(JSON.parse(metering.billed(getItem, sent, { status: 200, text: answer }))).toEqual({
      Item: { orderId: { S: "o-1" } },
    });
    expect(recorded).toEqual([["GetItem", { readUnits: 0.5 }]]);
  });

  test("a caller that asked for its capacity gets it; a refused condition still costs a write unit", () => {
    const { billing, recorded } = port();
    const metering = new Billing(billing);
    const asked = request("PutItem", { TableName: "orders", Item: {}, ReturnConsumedCapacity: "TOTAL" });
    const answer = JSON.stringify({ ConsumedCapacity: { CapacityUnits: 1 } });
    expect(metering.bodyToSend(asked)).toEqual({ text: asked.raw, body: asked.body });
    expect(metering.billed(asked, metering.bodyToSend(asked), { status: 200, text: answer })).toBe(answer);
    const refused = request("UpdateItem", { TableName: "orders", Key: {} });
    const failure = JSON.stringify({
      __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
    });
    metering.billed(refused, metering.bodyToSend(refused), { status: 400, text: failure });
    const describe = request("DescribeTable", { TableName: "orders" });
    expect(metering.bodyToSend(describe)).toEqual({ text: describe.raw, body: describe.body });
    metering.billed(describe, metering.bodyToSend(describe), { status: 200, text: "{}" });
    expect(recorded).toEqual([
      ["PutItem", { writeUnits: 1 }],
      ["UpdateItem", { writeUnits: 1 }],
    ]);
  });
});

/** Both ends of the database process's IPC channel, wired to each other. */
function channelPair() {
  const child = Object.assign(new EventEmitter(), {
    connected: true,
    send: (message: unknown) => (setImmediate(() => parent.emit("message", message)), true),
  });
  const parent = Object.assign(new EventEmitter(), {
    connected: true,
    send: (message: unknown) => (setImmediate(() => child.emit("message", message)), true),
  });
  return { child, parent };
}

describe("the billing port over IPC", () => {
  test("records reach the runtime's bill and its IAM answers come back", async () => {
    const { child, parent } = channelPair();
    const runtime = port("denied by the role");
    answerBillingRequests(parent, runtime.billing);
    const overIpc = billingOverIpc(child as unknown as NodeJS.Process, true);
    overIpc.record("GetItem", { readUnits: 1 });
    await expect(overIpc.decide!("ProcessPayment", [])).resolves.toBe("denied by the role");
    expect(runtime.recorded).toEqual([["GetItem", { readUnits: 1 }]]);
    expect(runtime.asked).toEqual(["ProcessPayment"]);
  });

  test("once the runtime is gone, a question is refused, never allowed unchecked, and nothing is sent", async () => {
    const { child } = channelPair();
    const sent: unknown[] = [];
    child.send = (message: unknown) => (sent.push(message), true);
    const overIpc = billingOverIpc(child as unknown as NodeJS.Process, true);
    const inFlight = overIpc.decide!("ProcessPayment", []);
    child.connected = false;
    child.emit("disconnect");
    await expect(inFlight).resolves.toBe(RUNTIME_GONE);
    sent.length = 0;
    overIpc.record("GetItem", { readUnits: 1 });
    await expect(overIpc.decide!("ProcessPayment", [])).resolves.toBe(RUNTIME_GONE);
    expect(sent).toEqual([]);
  });
});
