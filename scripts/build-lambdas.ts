/**
 * `npm run build`: bundles every Lambda handler into dist/lambdas/<folder>/index.js. With
 * `--if-stale` (npm start and the other scripts that run the bundles) it builds only when a bundle is
 * missing or older than its sources.
 */
import { resolve } from "node:path";
import { BUNDLE_ROOT } from "../lambdas/platform/contracts";
import { bundleFunctions } from "./bundle";
import { staleBundles } from "./bundle-freshness";

async function main(): Promise<void> {
  const root = resolve(__dirname, "..");
  if (process.argv.includes("--if-stale") && !staleBundles(root)) return;
  const started = Date.now();
  const results = await bundleFunctions(root, resolve(root, BUNDLE_ROOT));
  if (!process.argv.includes("--quiet")) {
    for (const r of results) {
      const lazy = Object.entries(r.lazy).map(
        ([name, bytes]) => `, + ${name} ${(bytes / 1024).toFixed(1)} KB at first use`,
      );
      process.stderr.write(
        `  ${r.spec.folder.padEnd(24)} ${(r.bytes / 1024).toFixed(1).padStart(7)} KB${lazy.join("")}\n`,
      );
    }
    process.stderr.write(`Bundled ${results.length} functions in ${Date.now() - started} ms\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
