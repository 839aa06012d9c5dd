/** esbuild settings for the Lambda bundles, shared by the build and the bundle benchmark's baseline. */
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_ENTRY_FILE, FUNCTIONS, type FunctionSpec } from "../lambdas/platform/contracts";

export interface BundleResult {
  readonly spec: FunctionSpec;
  readonly outfile: string;
  /** index.js: what the function loads at cold start. */
  readonly bytes: number;
  /** Packages bundled beside it and loaded at first use (node_modules/<name>/index.js), by size. */
  readonly lazy: Readonly<Record<string, number>>;
}

/** Powertools Parameters' Secrets Manager provider, with the SDK client it brings (Stripe's secrets only). */
const SECRETS = "@aws-lambda-powertools/parameters/secrets";

/**
 * Packages (or a package's subpath, exactly as the handler imports it), or modules of the function's
 * own folder (`./name`), a function loads only when it first needs them (`await import()`), each
 * bundled into its own file beside index.js (firstUseFile), so the cold start neither reads nor
 * parses them. Stripe's SDK is about as
 * large as the rest of ProcessPayment, and a simulated deployment never loads it.
 */
export const LAZY_PACKAGES: Readonly<Partial<Record<string, readonly string[]>>> = {
  "process-payment": ["stripe", SECRETS],
  // Stripe's SDK, SES and Step Functions with the first refund, e-mail or ended payment wait.
  // Returns' routes with the first return request.
  "after-sale": ["stripe", SECRETS, "@aws-sdk/client-sesv2", "@aws-sdk/client-sfn", "./returns"],
  // SNS with the first low-stock message.
  "update-inventory": ["@aws-sdk/client-sns"],
  "catalog-admin": ["@aws-sdk/client-sns"],
  // Stripe's SDK and Secrets Manager with the first Stripe event; SNS with the first dispute;
  // Powertools Idempotency with the first event of any provider.
  "payment-events": ["stripe", SECRETS, "@aws-sdk/client-sfn", "@aws-sdk/client-sns", "./apply-once"],
  "order-success-handler": ["@aws-sdk/client-sesv2"],
  // Stripe's SDK with the first reconciliation against Stripe (a simulated deployment never loads it).
  "reconcile-payments": ["stripe", SECRETS],
  // Cognito's client with the first erasure.
  "customer-data": ["@aws-sdk/client-cognito-identity-provider"],
};

/**
 * Each AWS SDK client imports its whole package.json (2–3 KB of scripts and dependency lists) for one
 * field, its version (the User-Agent header): only that field is bundled.
 */
const SDK_PACKAGE_VERSION_ONLY: Plugin = {
  name: "sdk-package-version-only",
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ }, (args) => {
      const { version } = JSON.parse(readFileSync(args.path, "utf8")) as { version: string };
      return { contents: JSON.stringify({ version }), loader: "json" };
    });
  },
};

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
  plugins: [SDK_PACKAGE_VERSION_ONLY],
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
  plugins: [],
};

/** Where a first-use file lands in the function's folder, as `require` finds it from index.js. */
export function firstUseFile(name: string): string {
  return name.startsWith("./") ? `${name.slice(2)}.js` : join("node_modules", name, BUNDLE_ENTRY_FILE);
}

function jsBytes(meta: Metafile): number {
  return Object.entries(meta.outputs)
    .filter(([file]) => file.endsWith(".js"))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
}

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
      const lazyPackages = LAZY_PACKAGES[spec.folder] ?? [];
      const result = await build({
        ...options,
        absWorkingDir: rootDir,
        entryPoints: [join(rootDir, "lambdas", spec.folder, "handler.ts")],
        outfile: staging,
        external: [...(options.external ?? []), ...lazyPackages],
        metafile: true,
      });
      const lazy: Record<string, number> = {};
      for (const name of lazyPackages) {
        const ownModule = name.startsWith("./");
        const lazyBuild = await build({
          ...options,
          absWorkingDir: rootDir,
          ...(ownModule
            ? { entryPoints: [join(rootDir, "lambdas", spec.folder, `${name.slice(2)}.ts`)] }
            : {
                stdin: {
                  contents: `module.exports = require(${JSON.stringify(name)});`,
                  resolveDir: rootDir,
                },
              }),
          outfile: join(stagingDir, firstUseFile(name)),
          metafile: true,
        });
        lazy[name] = jsBytes(lazyBuild.metafile as Metafile);
        if (ownModule) continue; // beside index.js in the staging folder, moved with it below
        mkdirSync(join(outdir, "node_modules", name), { recursive: true });
        for (const file of readdirSync(join(stagingDir, "node_modules", name))) {
          renameSync(join(stagingDir, "node_modules", name, file), join(outdir, "node_modules", name, file));
        }
      }
      rmSync(join(stagingDir, "node_modules"), { recursive: true, force: true });
      for (const file of readdirSync(stagingDir).sort((a, b) => b.length - a.length)) {
        renameSync(join(stagingDir, file), join(outdir, file)); // index.js.map before index.js
      }
      rmSync(stagingDir, { recursive: true, force: true });
      return { spec, outfile, bytes: jsBytes(result.metafile as Metafile), lazy };
    }),
  );
  rmSync(join(outRoot, `.staging-${process.pid}`), { recursive: true, force: true });
  return results;
}
