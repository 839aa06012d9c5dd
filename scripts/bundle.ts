/** esbuild settings for the Lambda bundles, shared by the build and the bundle benchmark's baseline. */
import { build, type BuildOptions, type Metafile } from "esbuild";
import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_ENTRY_FILE, FUNCTIONS, type FunctionSpec } from "../lambdas/contracts";

export interface BundleResult {
  readonly spec: FunctionSpec;
  readonly outfile: string;
  readonly bytes: number;
}

/** Production settings: minified, tree-shaken ESM sources of the AWS SDK v3 bundled in, source maps. */
export const PRODUCTION: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  minify: true,
  treeShaking: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ["module", "main"],
  legalComments: "none",
  // CommonJS bundles load lazily with require(): the same on Lambda, and loadable in a jest/vm host.
  supported: { "dynamic-import": false },
  // Credential sources other than the environment are loaded lazily by the SDK and never reached on
  // Lambda (credentials come from env vars); nodejs22.x ships them, so they stay out of the bundle.
  external: [
    "@aws-sdk/credential-provider-ini",
    "@aws-sdk/credential-provider-sso",
    "@aws-sdk/credential-provider-process",
    "@aws-sdk/credential-provider-web-identity",
    "@aws-sdk/credential-provider-http",
    "@aws-sdk/credential-provider-login",
    "@aws-sdk/nested-clients",
    "@smithy/credential-provider-imds",
    // Loaded by dynamic import only for event-stream operations, which none of these functions call.
    "@smithy/core/event-streams",
  ],
  logLevel: "warning",
};

/** Baseline for the benchmark: the same handler, neither minified nor tree-shaken. */
export const BASELINE: BuildOptions = {
  ...PRODUCTION,
  minify: false,
  treeShaking: false,
  mainFields: ["main"],
  sourcemap: false,
  external: [],
};

export async function bundleFunctions(
  rootDir: string,
  outRoot: string,
  options: BuildOptions = PRODUCTION,
): Promise<BundleResult[]> {
  const results = await Promise.all(
    FUNCTIONS.map(async (spec) => {
      const outdir = join(outRoot, spec.folder);
      mkdirSync(outdir, { recursive: true });
      const outfile = join(outdir, BUNDLE_ENTRY_FILE);
      // Built aside and renamed into place: a runtime loading the bundle meanwhile sees the old one
      // or the new one, never none (a rename is atomic on one file system).
      const stagingDir = join(outRoot, `.staging-${process.pid}`, spec.folder);
      const staging = join(stagingDir, BUNDLE_ENTRY_FILE);
      const result = await build({
        ...options,
        absWorkingDir: rootDir,
        entryPoints: [join(rootDir, "lambdas", spec.folder, "handler.ts")],
        outfile: staging,
        metafile: true,
      });
      for (const file of readdirSync(stagingDir).sort((a, b) => b.length - a.length)) {
        renameSync(join(stagingDir, file), join(outdir, file)); // index.js.map before index.js
      }
      rmSync(stagingDir, { recursive: true, force: true });
      const meta = result.metafile as Metafile;
      const bytes = Object.entries(meta.outputs)
        .filter(([file]) => file.endsWith(".js"))
        .reduce((sum, [, output]) => sum + output.bytes, 0);
      return { spec, outfile, bytes };
    }),
  );
  rmSync(join(outRoot, `.staging-${process.pid}`), { recursive: true, force: true });
  return results;
}
