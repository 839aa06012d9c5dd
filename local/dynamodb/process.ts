/**
 * Runs the local DynamoDB in its own Node process, so the database and the handlers use separate
 * cores, as they would against the real service.
 */
import { fork } from "node:child_process";
import { join } from "node:path";
import type { LocalDynamoDb, LocalDynamoDbOptions } from "./server";

export function startLocalDynamoDbProcess(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const child = fork(join(__dirname, "main.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env,
      LOCAL_DYNAMODB_DATA_DIR: options.dataDir ?? "",
      LOCAL_DYNAMODB_HOST: options.host ?? "127.0.0.1",
      LOCAL_DYNAMODB_PORT: String(options.port ?? 0),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`The local DynamoDB process exited (code ${code}) before it was ready.`));
    child.once("exit", onExit);
    child.once("error", reject);
    child.once("message", (message: { endpoint?: string; port?: number; error?: string }) => {
      child.off("exit", onExit);
      if (message.error || !message.endpoint || !message.port) {
        child.kill();
        reject(new Error(`The local DynamoDB could not start: ${message.error ?? "no endpoint"}`));
        return;
      }
      let closing = false;
      resolve({
        endpoint: message.endpoint,
        port: message.port,
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
