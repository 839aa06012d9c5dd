/** Small helpers shared by the benchmark scripts. */
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface ProcessRun {
  readonly wallMs: number;
  readonly maxRssMb: number;
  readonly stdout: string;
}

/** Runs a fresh Node process (this Node) and reports its wall time and peak memory. */
export function runNode(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ProcessRun {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["--require", `${__dirname}/measure-rss.cjs`, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${result.stderr}`);
  const rss = /maxrss_kb=(\d+)/.exec(result.stderr);
  return { wallMs, maxRssMb: rss ? Number(rss[1]) / 1024 : NaN, stdout: result.stdout };
}

export function machine(): string {
  return `Node ${process.version}, ${cpus().length} cores`;
}
