/**
 * `npm run bench:lambdas`: each function's bundle size and cold init time (a fresh Node process
 * that loads the bundle, which builds its SDK clients), beside a baseline bundle of the same
 * handler that is neither minified nor tree-shaken, built and measured in the same run.
 * Usage: npm run bench:lambdas -- [runs=7]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { BUNDLE_ROOT, type FunctionSpec } from "../lambdas/platform/contracts";
import { CONFIG } from "../lambdas/platform/config";
import { LOCAL_RESOURCES } from "../local/runtime/resources";
import { build } from "esbuild";
import { BASELINE, bundleFunctions, PRODUCTION, type BundleResult } from "./bundle";
import { lambdaEnvironment } from "./bench/lambda-environment";
import { machine, median, runNode } from "./bench/stats";

const root = resolve(__dirname, "..");
const runs = Number(process.argv[2] ?? 7);

const INIT_PROBE = `
const started = process.hrtime.bigint();
const mod = require(process.argv[1]);
if (typeof mod.handler !== "function") throw new Error("no handler export");
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
`;

function initMs(spec: FunctionSpec, file: string): number {
  const samples = Array.from({ length: runs }, () =>
    Number(runNode(["-e", INIT_PROBE, file], { cwd: root, env: lambdaEnvironment(spec) }).stdout),
  );
  return median(samples);
}

const SDK_PROBE = `
const started = process.hrtime.bigint();
const mod = require(process.argv[1]);
new (mod.default ?? mod)("sk_test_bench", { telemetry: false });
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
`;

/**
 * ProcessPayment with payment_provider = stripe: its cold init (the SDK is not loaded yet) and what
 * its first payment adds, loading the Stripe SDK as bundled here, beside the SDK's own CommonJS build
 * loaded from node_modules (what an unbundled function would load).
 */
async function reportStripe(payment: BundleResult, scratch: string): Promise<void> {
  const env = {
    ...lambdaEnvironment(payment.spec),
    [CONFIG.paymentGateway.env]: "stripe",
    [CONFIG.stripeSecretArn.env]: LOCAL_RESOURCES.stripeSecret.arn,
  };
  const sample = (args: string[], probeEnv: NodeJS.ProcessEnv = {}) =>
    median(Array.from({ length: runs }, () => Number(runNode(args, { cwd: root, env: probeEnv }).stdout)));
  const lazyInit = sample(["-e", INIT_PROBE, payment.outfile], env);
  // The baseline: the same function with the SDK inside index.js, parsed at every cold start.
  const oneFile = join(scratch, "process-payment-one-file", "index.js");
  const inlined = await build({
    ...PRODUCTION,
    absWorkingDir: root,
    entryPoints: [join(root, "lambdas", payment.spec.folder, "handler.ts")],
    outfile: oneFile,
    metafile: true,
  });
  const oneFileBytes = Object.entries(inlined.metafile.outputs)
    .filter(([file]) => file.endsWith(".js"))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  const oneFileInit = sample(["-e", INIT_PROBE, oneFile], env);
  const lazyFile = join(dirname(payment.outfile), "node_modules", "stripe", "index.js");
  const sdkLoad = sample(["-e", SDK_PROBE, lazyFile]);
  const unbundledLoad = sample(["-e", SDK_PROBE, require.resolve("stripe")]);
  process.stdout.write(
    [
      "",
      "payment_provider = stripe (ProcessPayment)",
      "| measure | value | baseline |",
      "|---|---:|---:|",
      `| process-payment index.js: SDK beside it vs inside it | ${(payment.bytes / 1024).toFixed(1)} KB | ${(oneFileBytes / 1024).toFixed(1)} KB |`,
      `| process-payment cold init: SDK beside it (loaded at the first payment) vs inside it | ${lazyInit.toFixed(0)} ms | ${oneFileInit.toFixed(0)} ms |`,
      `| Stripe SDK loaded at the first payment: bundled (tree-shaken ESM) vs node_modules CommonJS | ${sdkLoad.toFixed(0)} ms | ${unbundledLoad.toFixed(0)} ms |`,
      `| Stripe SDK bundled beside index.js (node_modules/stripe/index.js), loaded at the first payment | ${(payment.lazy.stripe / 1024).toFixed(1)} KB | |`,
      "",
    ].join("\n"),
  );
}

/** What a function may load at cold start; what it loads at first use is reported beside it. */
const BUNDLE_BUDGET_BYTES = 300 * 1024;

async function main(): Promise<void> {
  const baselineDir = mkdtempSync(join(tmpdir(), "bench-bundles-"));
  try {
    const production = await bundleFunctions(root, resolve(root, BUNDLE_ROOT), PRODUCTION);
    const baseline = await bundleFunctions(root, baselineDir, BASELINE);
    const rows = production.map((prod) => {
      const base = baseline.find((b) => b.spec.id === prod.spec.id)!;
      process.stderr.write(`  measuring ${prod.spec.folder}…\n`);
      return {
        prod,
        base,
        prodInit: initMs(prod.spec, prod.outfile),
        baseInit: initMs(base.spec, base.outfile),
      };
    });
    process.stdout.write(
      `\nbench:lambdas — bundle size and cold init (median of ${runs} fresh processes, ${machine()})\n`,
    );
    process.stdout.write(
      "| function | bundle (cold start) | budget | loaded at first use | init | baseline bundle | baseline init |\n|---|---:|---:|---|---:|---:|---:|\n",
    );
    for (const r of rows) {
      const lazy = Object.entries(r.prod.lazy).map(
        ([name, bytes]) => `${name} ${(bytes / 1024).toFixed(1)} KB`,
      );
      const within = r.prod.bytes <= BUNDLE_BUDGET_BYTES ? "within" : "**over**";
      process.stdout.write(
        `| ${r.prod.spec.folder} | ${(r.prod.bytes / 1024).toFixed(1)} KB | ${BUNDLE_BUDGET_BYTES / 1024} KB, ${within} | ${lazy.join(", ") || "–"} | ${r.prodInit.toFixed(0)} ms | ${(r.base.bytes / 1024).toFixed(1)} KB | ${r.baseInit.toFixed(0)} ms |\n`,
      );
    }
    await reportStripe(
      production.find((p) => p.spec.id === "ProcessPayment")!,
      baselineDir,
    );
    const over = rows.filter((r) => r.prod.bytes > BUNDLE_BUDGET_BYTES || r.prodInit > 150);
    process.stdout.write(
      over.length === 0
        ? "\nEvery bundle is under 300 KB and initialises in under 150 ms.\n"
        : `\nOver target: ${over.map((r) => r.prod.spec.folder).join(", ")}\n`,
    );
  } finally {
    rmSync(baselineDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:lambdas failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
