/**
 * What makes the local queue as durable as SQS under --data-dir: every send is appended to a journal
 * file before the sender is answered, every delete, dead-lettering and redrive too, synchronously, so a
 * message acknowledged to the sender survives a crash (SIGKILL) of the runtime. On open the journal
 * is replayed and compacted to what is still queued or dead-lettered.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface JournaledMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
}

type Entry =
  | { readonly op: "send"; readonly message: JournaledMessage }
  | { readonly op: "delete"; readonly messageId: string }
  | { readonly op: "dead"; readonly messageId: string }
  | { readonly op: "redrive"; readonly messageId: string };

export interface JournalState {
  readonly queued: JournaledMessage[];
  readonly deadLettered: JournaledMessage[];
}

export class QueueJournal {
  private constructor(private readonly path: string) {}

  /** Opens (or creates) the journal and returns what it holds; a torn last line is ignored. */
  static open(path: string): { journal: QueueJournal; state: JournalState } {
    mkdirSync(dirname(path), { recursive: true });
    const queued = new Map<string, JournaledMessage>();
    const dead = new Map<string, JournaledMessage>();
    if (existsSync(path)) {
      for (const line of readFileSync(path, "utf8").split("\n")) {
        let entry: Entry;
        try {
          entry = JSON.parse(line) as Entry;
        } catch {
          continue; // an empty line, or the half-written last one of a crash
        }
        if (entry.op === "send") queued.set(entry.message.messageId, entry.message);
        else if (entry.op === "delete") queued.delete(entry.messageId);
        else if (entry.op === "dead") {
          const message = queued.get(entry.messageId);
          queued.delete(entry.messageId);
          if (message) dead.set(message.messageId, message);
        } else if (entry.op === "redrive") {
          const message = dead.get(entry.messageId);
          dead.delete(entry.messageId);
          if (message) queued.set(message.messageId, message);
        }
      }
    }
    const state = { queued: [...queued.values()], deadLettered: [...dead.values()] };
    // Compact: the new file holds only what is still there, written aside and renamed into place.
    const compacted = [
      ...state.queued.map((message) => ({ op: "send", message })),
      ...state.deadLettered.flatMap((message) => [
        { op: "send", message },
        { op: "dead", messageId: message.messageId },
      ]),
    ];
    writeFileSync(`${path}.tmp`, compacted.map((e) => `${JSON.stringify(e)}\n`).join(""));
    renameSync(`${path}.tmp`, path);
    return { journal: new QueueJournal(path), state };
  }

  sent(message: JournaledMessage): void {
    this.append({ op: "send", message });
  }

  deleted(messageId: string): void {
    this.append({ op: "delete", messageId });
  }

  deadLettered(messageId: string): void {
    this.append({ op: "dead", messageId });
  }

  /** A dead-lettered message moved back to its queue (a redrive). */
  redriven(messageId: string): void {
    this.append({ op: "redrive", messageId });
  }

  private append(entry: Entry): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }
}
