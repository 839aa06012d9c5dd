/**
 * Jest global setup of the integration project: the tests run the bundles in dist/, so they must be
 * built from the sources as they are now. Stale or missing bundles are rebuilt; a failed build stops
 * the run with the reason, rather than letting tests pass against old code.
 */
import { resolve } from "node:path";
import { BUNDLE_ROOT } from "../../lambdas/platform/contracts";
import { bundleFunctions } from "../../scripts/bundle";
import { staleBundles } from "../../scripts/bundle-freshness";

const root = resolve(__dirname, "../..");

export default async function freshBundles(): Promise<void> {
  const reason = staleBundles(root);
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
  const still = staleBundles(root);
  if (still) throw new Error(`The bundles are still stale after a build (${still}); run \`npm run build\`.`);
}
