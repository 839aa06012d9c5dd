/**
 * `npm run bench:synth`: wall time and peak memory of a full synth of the app (every stack, deep
 * provider imports) beside the same app with the provider packages imported from their root, in
 * one run, each a fresh process. Usage: npm run bench:synth -- [runs=5]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { machine, median, runNode } from "./bench/stats";

const root = resolve(__dirname, "..");
const runs = Number(process.argv[2] ?? 5);

function measure(label: string, preload: string[]): { label: string; wallMs: number; rssMb: number } {
  const walls: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const outdir = mkdtempSync(join(tmpdir(), "bench-synth-"));
    const run = runNode([...preload, "--import", "tsx", "main.ts"], {
      cwd: root,
      env: { CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" },
    });
    rmSync(outdir, { recursive: true, force: true });
    walls.push(run.wallMs);
    rss.push(run.maxRssMb);
    process.stderr.write(
      `  ${label} run ${i + 1}/${runs}: ${run.wallMs.toFixed(0)} ms, ${run.maxRssMb.toFixed(0)} MB\n`,
    );
  }
  return { label, wallMs: median(walls), rssMb: median(rss) };
}

const deep = measure("deep imports (the app)", []);
const baseline = measure("root import (baseline)", ["--require", join(__dirname, "bench/root-import.cjs")]);
process.stdout.write(
  `\nbench:synth — full synth of all stacks, median of ${runs} fresh processes (${machine()})\n`,
);
process.stdout.write(`| variant | wall time | peak memory |\n|---|---:|---:|\n`);
for (const r of [deep, baseline]) {
  process.stdout.write(`| ${r.label} | ${(r.wallMs / 1000).toFixed(2)} s | ${r.rssMb.toFixed(0)} MB |\n`);
}
process.stdout.write(
  `\nDeep imports: ${(baseline.wallMs / deep.wallMs).toFixed(1)}x faster, ${(baseline.rssMb / deep.rssMb).toFixed(1)}x less memory than the root import.\n`,
);
