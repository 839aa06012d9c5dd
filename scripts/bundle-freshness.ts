/** Whether dist/ holds bundles built from the sources as they are now (by modification time). */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_ENTRY_FILE, BUNDLE_ROOT, FUNCTIONS } from "../lambdas/platform/contracts";

function newestSource(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
    return Math.max(newest, time);
  }, 0);
}

/** Why the bundles cannot be used as they are, or undefined when they are fresh. */
export function staleBundles(projectRoot: string): string | undefined {
  // The handlers' sources (nothing they import lives outside lambdas/), the build settings and the
  // locked dependency versions decide what a bundle holds.
  const sources = Math.max(
    newestSource(join(projectRoot, "lambdas")),
    statSync(join(projectRoot, "scripts", "bundle.ts")).mtimeMs,
    statSync(join(projectRoot, "package-lock.json")).mtimeMs,
  );
  for (const spec of FUNCTIONS) {
    const bundle = join(projectRoot, BUNDLE_ROOT, spec.folder, BUNDLE_ENTRY_FILE);
    if (!existsSync(bundle)) return `${bundle} is missing`;
    if (statSync(bundle).mtimeMs < sources) {
      return `${bundle} is older than the sources under lambdas/, scripts/bundle.ts or package-lock.json`;
    }
  }
  return undefined;
}
