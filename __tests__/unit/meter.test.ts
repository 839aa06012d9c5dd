/** The meter's arithmetic: AWS's billing units, and the report's totals and averages per order. */
import { itemSize, transactionalWriteUnits } from "../../local/dynamodb/item-size";
import { expressGbSeconds, lambdaGbSeconds, Meter, payloadChunks } from "../../local/meter/meter";

test("SQS, SNS and EventBridge bill one request per started 64 KB", () => {
  expect(payloadChunks(0)).toBe(1);
  expect(payloadChunks(65_536)).toBe(1);
  expect(payloadChunks(65_537)).toBe(2);
});

test("Lambda bills whole milliseconds times the memory; Express bills 100 ms steps of 64 MB chunks", () => {
  expect(lambdaGbSeconds(99.2, 512)).toBeCloseTo(0.1 * 0.5);
  expect(expressGbSeconds(101)).toBeCloseTo(0.2 * 0.0625);
  expect(expressGbSeconds(100, 65)).toBeCloseTo(0.1 * 0.125);
});

test("an item's size follows DynamoDB's rules, and a transaction writes two units per started KB", () => {
  expect(itemSize({ id: { S: "abc" } })).toBe(5);
  expect(itemSize({ n: { N: "12345" } })).toBe(1 + 4);
  expect(itemSize({ l: { L: [{ S: "ab" }, { BOOL: true }] } })).toBe(1 + 3 + (1 + 2) + (1 + 1));
  expect(itemSize({ m: { M: { k: { S: "v" } } } })).toBe(1 + 3 + 1 + 2);
  expect(transactionalWriteUnits(0)).toBe(2);
  expect(transactionalWriteUnits(1025)).toBe(4);
});

test("the report sums operations into service totals and divides them by the orders placed", () => {
  const meter = new Meter();
  meter.record("DynamoDB", "GetItem", { readUnits: 1 });
  meter.record("DynamoDB", "UpdateItem", { writeUnits: 2 });
  meter.record("DynamoDB", "UpdateItem", { writeUnits: 2 });
  meter.orderPlaced();
  meter.orderPlaced();
  const report = meter.report();
  expect(report.orders).toBe(2);
  expect(report.services.DynamoDB.totals).toEqual({ calls: 3, readUnits: 1, writeUnits: 4 });
  expect(report.services.DynamoDB.operations.UpdateItem).toEqual({ calls: 2, writeUnits: 4 });
  expect(report.perOrder.DynamoDB).toEqual({ calls: 1.5, readUnits: 0.5, writeUnits: 2 });
  meter.reset();
  expect(meter.report()).toMatchObject({ orders: 0, services: {}, perOrder: {} });
});
