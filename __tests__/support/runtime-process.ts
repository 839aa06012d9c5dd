/**
 * The local runtime as users run it: `npm start` (or its node entry) in a child process, so tests can
 * stop it with a signal, kill it, and start it again on the same --data-dir.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");

export interface RuntimeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code (or the signal that ended it). */
  exited(): Promise<number | NodeJS.Signals>;
}

/** Runs the node entry with these options to its end: for options it must refuse. */
export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/cli.ts", ...args], {
    cwd: ROOT,
    stdio: "pipe",
    env: { ...process.env, ...env },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done) => child.once("exit", (code) => done({ code, output })));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * Starts the runtime. `viaNpm` runs `npm start` in its own process group, as a terminal would (so a
 * signal can go to the whole group, like Ctrl-C); otherwise the node entry directly.
 */
export async function startRuntime(options: {
  /** In memory when omitted. */
  dataDir?: string;
  port: number;
  viaNpm?: boolean;
  timeoutMs?: number;
  /** More options, after --port and --data-dir. */
  args?: readonly string[];
  /** Added to this process's environment. */
  env?: Readonly<Record<string, string>>;
}): Promise<RuntimeProcess> {
  // Another test process may take the free port between freePort() and the runtime's listen (suites
  // run two at a time): the runtime says so and exits, and is started again on another free port.
  for (let attempt = 1; ; attempt++) {
    const port = attempt === 1 ? options.port : await freePort();
    try {
      return await startRuntimeOn(port, options);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

const PORT_ATTEMPTS = 5;

class PortTaken extends Error {}

async function startRuntimeOn(
  port: number,
  options: Parameters<typeof startRuntime>[0],
): Promise<RuntimeProcess> {
  const args = [
    "--port",
    String(port),
    ...(options.dataDir ? ["--data-dir", options.dataDir] : []),
    ...(options.args ?? []),
  ];
  const env = { ...process.env, ...options.env };
  const child = options.viaNpm
    ? spawn("npm", ["start", "--silent", "--", ...args], { cwd: ROOT, detached: true, stdio: "pipe", env })
    : spawn(process.execPath, ["--import", "tsx", "local/cli.ts", ...args], {
        cwd: ROOT,
        stdio: "pipe",
        env,
      });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | NodeJS.Signals>((done) =>
    child.once("exit", (code, signal) => done(code ?? signal ?? -1)),
  );
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!/Order system running at (\S+)/.test(output)) {
    if (child.exitCode !== null) {
      if (output.includes(`Port ${port} is already in use`)) throw new PortTaken(output);
      throw new Error(`The runtime exited before it was ready:\n${output}`);
    }
    if (Date.now() > deadline) throw new Error(`The runtime did not start in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: /Order system running at (\S+)/.exec(output)![1],
    child,
    output: () => output,
    exited: () => exit,
  };
}
