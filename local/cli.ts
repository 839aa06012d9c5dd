/** `npm start`: runs the whole order system locally. `npm start -- --help` lists the options. */
import { createServer } from "node:http";
import { resolve } from "node:path";
import { banner, type ListedProduct } from "./banner";
import { helpText, parseCommandLine, UsageError, type CliValues } from "./options";
import { startLocalOrderSystem, type LocalOrderSystem } from "./order-system";
import { RUNTIME_DEFAULTS } from "./runtime/settings";

const portTaken = (port: number) =>
  `Port ${port} is already in use. Stop what is using it, or pick another: PORT=${port + 1} npm start\n`;

/** Fails fast on a busy port, before anything starts. */
async function portIsFree(port: number, host: string): Promise<boolean> {
  const probe = createServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
    probe.once("error", done);
    probe.listen(port, host, () => probe.close(() => done(undefined)));
  });
  return error?.code !== "EADDRINUSE";
}

/** The options, or the exit code when there is nothing to run (help, or a usage error). */
function readCommandLine(): CliValues | number {
  try {
    const command = parseCommandLine(process.argv.slice(2), process.env);
    if (!command.help) return command.values;
    process.stdout.write(helpText());
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\nRun \`npm start -- --help\` for the options.\n`);
    return 2;
  }
}

const time = () => new Date().toISOString().slice(11, 23);
const log = (line: string) => process.stdout.write(`${time()}  ${line}\n`);

/** Starts the system; an exit code when it cannot. `fatal` is told why the runtime had to stop. */
async function start(
  values: CliValues,
  fatal: (message: string) => void,
): Promise<LocalOrderSystem | number> {
  const port = values.port ?? RUNTIME_DEFAULTS.port;
  try {
    return await startLocalOrderSystem({
      projectRoot: resolve(__dirname, ".."),
      ...values,
      log,
      // The in-memory database died: stop what is left, and exit non-zero with the reason.
      onFatal: (message) => {
        fatal(message);
        process.stderr.write(`\n${message}\n`);
        process.kill(process.pid, "SIGTERM");
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") process.stderr.write(portTaken(port));
    else if (code === "EACCES")
      process.stderr.write(`Not allowed to listen on port ${port}; pick a port above 1024.\n`);
    else process.stderr.write(`Could not start the order system: ${(error as Error).message}\n`);
    return code === "EADDRINUSE" || code === "EACCES" ? 3 : 1;
  }
}

/** Stops on SIGINT or SIGTERM: new requests get 503, work in hand finishes (bounded). */
function untilStopped(system: LocalOrderSystem): Promise<void> {
  return new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stdout.write(`${signal}: still stopping; orders in progress are finishing (bounded).\n`);
        return;
      }
      stopping = true;
      process.stdout.write(
        `\n${signal}: stopping: new requests get 503, requests in hand are answered, queued orders and running workflows finish (bounded)…\n`,
      );
      system.stop().then(resolveStop, (error: unknown) => {
        process.stderr.write(`Error while stopping: ${String(error)}\n`);
        resolveStop();
      });
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
}

async function main(): Promise<number> {
  const values = readCommandLine();
  if (typeof values === "number") return values;
  const port = values.port ?? RUNTIME_DEFAULTS.port;
  if (!(await portIsFree(port, values.host ?? RUNTIME_DEFAULTS.host))) {
    process.stderr.write(portTaken(port));
    return 3;
  }
  process.stdout.write("Starting the order system (DynamoDB, queue, workflow, API)…\n");
  let fatal: string | undefined;
  const system = await start(values, (message) => (fatal = message));
  if (typeof system === "number") return system;
  system.notifications.onPublish((n) =>
    log(`SNS ${n.topic}: ${n.subject}\n${n.message.replace(/^/gm, "              | ")}`),
  );
  const listed = (await (await fetch(`${system.url}/products`)).json()) as { products: ListedProduct[] };
  process.stdout.write(banner(system, listed.products));
  await untilStopped(system);
  process.stdout.write("Stopped.\n");
  return fatal === undefined ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
