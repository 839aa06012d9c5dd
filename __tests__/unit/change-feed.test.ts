import { ChangeFeed } from "../../local/dynamodb/change-feed";

const key = (n: number) => ({ OrderID: { S: `o-${n}` } });

function appendMany(feed: ChangeFeed, count: number): void {
  for (let n = 1; n <= count; n++) feed.append("orders", key(n));
}

describe("the local change feed", () => {
  it("gives a reader every record after the one it saw, in order", async () => {
    const feed = new ChangeFeed();
    appendMany(feed, 5);
    const page = await feed.read(2, 0);
    expect(page.records.map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(page.records.map((r) => r.keys)).toEqual([key(3), key(4), key(5)]);
    expect((await feed.read(5, 0)).records).toEqual([]);
    expect((await feed.read(0, 0)).records).toHaveLength(5);
  });

  it("keeps at least the retained number of newest records, and reads stay exact after a trim", async () => {
    const feed = new ChangeFeed(8);
    appendMany(feed, 31);
    const all = (await feed.read(0, 0)).records.map((r) => r.seq);
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.length).toBeLessThanOrEqual(10);
    // Contiguous up to the newest: nothing skipped by the trim.
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => 32 - all.length + i));
    expect((await feed.read(28, 0)).records.map((r) => r.seq)).toEqual([29, 30, 31]);
    expect((await feed.read(1, 0)).records.map((r) => r.seq)).toEqual(all);
  });

  it("awaits a record's image and wakes a waiting reader on the next write", async () => {
    const feed = new ChangeFeed();
    const reading = feed.read(0, 5_000);
    let settle!: (image: Record<string, { S: string }>) => void;
    feed.append("orders", key(1), new Promise((resolve) => (settle = resolve)));
    settle({ ...key(1), status: { S: "CONFIRMED" } });
    const page = await reading;
    expect(page.records).toEqual([
      { seq: 1, table: "orders", keys: key(1), newImage: { ...key(1), status: { S: "CONFIRMED" } } },
    ]);
  });
});
