/**
 * Child-process entry of the local DynamoDB (see process.ts): runs the server, reports its
 * endpoint to the parent over IPC, and exits as soon as the parent goes away, so no orphan is left.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { billingOverIpc } from "./billing";
import { PID_FILE, type ReadyMessage } from "./process";
import { startLocalDynamoDb } from "./server";

async function main(): Promise<void> {
  const db = await startLocalDynamoDb({
    dataDir: process.env.LOCAL_DYNAMODB_DATA_DIR || undefined,
    host: process.env.LOCAL_DYNAMODB_HOST,
    port: Number(process.env.LOCAL_DYNAMODB_PORT) || undefined,
    streamTables: (process.env.LOCAL_DYNAMODB_STREAM_TABLES ?? "").split(",").filter(Boolean),
    ...(process.env.LOCAL_DYNAMODB_BILLED_PORT
      ? {
          billing: billingOverIpc(process, process.env.LOCAL_DYNAMODB_AUTHORIZE === "1"),
          billedPort: Number(process.env.LOCAL_DYNAMODB_BILLED_PORT),
        }
      : {}),
  });
  const dataDir = process.env.LOCAL_DYNAMODB_DATA_DIR || undefined;
  const pidFile = dataDir ? join(dataDir, PID_FILE) : undefined;
  if (pidFile) writeFileSync(pidFile, String(process.pid));
  const stop = () => {
    db.close().finally(() => {
      if (pidFile) rmSync(pidFile, { force: true });
      process.exit(0);
    });
  };
  process.on("disconnect", stop);
  process.on("SIGTERM", stop);
  // Ctrl-C reaches the whole process group; the parent decides when this process stops.
  process.on("SIGINT", () => undefined);
  const ready: ReadyMessage = {
    endpoint: db.endpoint,
    port: db.port,
    billedEndpoint: db.billedEndpoint,
    billedPort: db.billedPort,
  };
  process.send?.(ready);
}

main().catch((error: unknown) => {
  process.send?.({ error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
