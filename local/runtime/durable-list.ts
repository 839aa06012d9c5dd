/**
 * A dead-letter queue's local twin: items appended to a JSON-lines file under --data-dir before
 * `push` returns, read back on start, so what was dead-lettered survives a stop or a crash as it
 * would in SQS. In memory without a path.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export class DurableList<T> {
  private readonly items: T[] = [];

  constructor(private readonly path?: string) {
    if (!path) return;
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, "utf8").split("\n")) {
      try {
        this.items.push(JSON.parse(line) as T);
      } catch {
        // an empty line, or the half-written last one of a crash
      }
    }
  }

  push(item: T): void {
    if (this.path) appendFileSync(this.path, `${JSON.stringify(item)}\n`);
    this.items.push(item);
  }

  list(): readonly T[] {
    return this.items;
  }

  /** Takes every item out (a redrive): the file is emptied first, so a crash cannot replay them twice. */
  takeAll(): T[] {
    if (this.path) writeFileSync(this.path, "");
    return this.items.splice(0);
  }
}
