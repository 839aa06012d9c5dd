/**
 * Jest global setup of the integration project: the tests run the bundles in dist/, so they must be
 * built from the sources as they are now. Stale or missing bundles are rebuilt; a failed build stops
 * the run with the reason, rather than letting tests pass against old code.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { BUNDLE_ENTRY_FILE, BUNDLE_ROOT, FUNCTIONS } from "../../lambdas/contracts";
import { bundleFunctions } from "../../scripts/bundle";

const root = resolve(__dirname, "../..");

function newestSource(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
    return Math.max(newest, time);
  }, 0);
}

/** Why the bundles cannot be used as they are, or undefined when they are fresh. */
export function staleBundles(projectRoot = root): string | undefined {
  // The handlers' sources and the build settings both decide what a bundle holds.
  const sources = Math.max(
    newestSource(join(projectRoot, "lambdas")),
    statSync(join(projectRoot, "scripts", "bundle.ts")).mtimeMs,
  );
  for (const spec of FUNCTIONS) {
    const bundle = join(projectRoot, BUNDLE_ROOT, spec.folder, BUNDLE_ENTRY_FILE);
    if (!existsSync(bundle)) return `${bundle} is missing`;
    if (statSync(bundle).mtimeMs < sources) {
      return `${bundle} is older than the sources under lambdas/ or scripts/bundle.ts`;
    }
  }
  return undefined;
}

export default async function freshBundles(): Promise<void> {
  const reason = staleBundles();
  if (!reason) return;
  process.stderr.write(`\nBuilding the Lambda bundles for the integration tests (${reason}).\n`);
  try {
    await bundleFunctions(root, resolve(root, BUNDLE_ROOT));
  } catch (error) {
    throw new Error(
      `The integration tests need fresh bundles and \`npm run build\` failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const still = staleBundles();
  if (still) throw new Error(`The bundles are still stale after a build (${still}); run \`npm run build\`.`);
}
