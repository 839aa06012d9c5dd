/**
 * Runs the local DynamoDB in its own Node process, so the database and the handlers use separate
 * cores, as they would against the real service.
 */
import { fork } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { answerBillingRequests } from "./billing";
import type { LocalDynamoDb, LocalDynamoDbOptions } from "./server";

/** What the database process says once it serves (or why it cannot). */
export interface ReadyMessage {
  readonly endpoint?: string;
  readonly port?: number;
  readonly billedEndpoint?: string;
  readonly billedPort?: number;
  readonly error?: string;
}

/** The database process of a data directory writes its pid here while it runs. */
export const PID_FILE = "database.pid";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A previous runtime's database process may still be finishing the writes in hand when its parent
 * died: wait for it, so two processes never serve one data directory (the later one would miss
 * the earlier one's last writes).
 */
async function waitForPreviousDatabase(dataDir: string | undefined, timeoutMs = 15_000): Promise<void> {
  const file = dataDir ? join(dataDir, PID_FILE) : undefined;
  if (!file || !existsSync(file)) return;
  const pid = Number(readFileSync(file, "utf8"));
  const deadline = Date.now() + timeoutMs;
  while (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
    if (Date.now() > deadline) {
      throw new Error(`${dataDir} is in use by another database process (pid ${pid}); stop it first.`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startLocalDynamoDbProcess(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  await waitForPreviousDatabase(options.dataDir);
  const child = fork(join(__dirname, "main.ts"), [], {
    // A larger young generation: fewer, cheaper scavenges of the short-lived request objects
    // (docs/BENCHMARKS.md: about a tenth less CPU per order; `npm start` runs the runtime so too).
    execArgv: ["--max-semi-space-size=32", "--import", "tsx"],
    env: {
      ...process.env,
      LOCAL_DYNAMODB_DATA_DIR: options.dataDir ?? "",
      LOCAL_DYNAMODB_HOST: options.host ?? "127.0.0.1",
      LOCAL_DYNAMODB_PORT: String(options.port ?? 0),
      LOCAL_DYNAMODB_STREAM_TABLES: (options.streamTables ?? []).join(","),
      // The billed endpoint's port ("0": any), and whether local IAM decides its requests.
      LOCAL_DYNAMODB_BILLED_PORT: options.billing ? String(options.billedPort ?? 0) : "",
      LOCAL_DYNAMODB_AUTHORIZE: options.billing?.decide ? "1" : "",
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`The local DynamoDB process exited (code ${code}) before it was ready.`));
    child.once("exit", onExit);
    child.once("error", reject);
    child.once("message", (message: ReadyMessage) => {
      child.off("exit", onExit);
      if (message.error || !message.endpoint || !message.port) {
        child.kill();
        reject(new Error(`The local DynamoDB could not start: ${message.error ?? "no endpoint"}`));
        return;
      }
      let closing = false;
      if (options.billing) answerBillingRequests(child, options.billing);
      resolve({
        endpoint: message.endpoint,
        port: message.port,
        ...(message.billedPort
          ? { billedEndpoint: message.billedEndpoint, billedPort: message.billedPort }
          : {}),
        pid: child.pid,
        onUnexpectedExit: (listener) =>
          child.once("exit", (code, signal) => {
            if (!closing) listener(signal ? `killed by ${signal}` : `exited with code ${code}`);
          }),
        close: () =>
          new Promise<void>((done) => {
            closing = true;
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once("exit", () => done());
            child.disconnect();
          }),
      });
    });
  });
}
