/**
 * Each function's folder, as its zip lands in /var/task: everything index.js and its first-use files
 * require must be inside the folder, or be Node's own, or be what the nodejs22.x runtime provides
 * (PRODUCTION.external). Checked from a copy outside this project, where the project's node_modules
 * cannot stand in for a missing file.
 */
import { execFileSync } from "node:child_process";
import { build } from "esbuild";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  BUNDLE_ENTRY_FILE,
  BUNDLE_ROOT,
  FUNCTIONS,
  type FunctionSpec,
} from "../../lambdas/platform/contracts";
import { lambdaEnvironment } from "../../scripts/bench/lambda-environment";
import { firstUseFile, LAZY_PACKAGES, PRODUCTION } from "../../scripts/bundle";

const root = resolve(__dirname, "../..");
const copies = mkdtempSync(join(tmpdir(), "lambda-zips-"));
afterAll(() => rmSync(copies, { recursive: true, force: true }));

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return entry.name.endsWith(".js") ? [path] : [];
  });
}

const runtimeProvided = (specifier: string) =>
  (PRODUCTION.external ?? []).some((name) => specifier === name || specifier.startsWith(`${name}/`));
const isBuiltin = (specifier: string) =>
  specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0] ?? specifier);

/** The modules a bundled file requires, as esbuild's parser sees them (not strings that name one). */
async function requiredBy(file: string): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: [file],
    bundle: true,
    platform: "node",
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [
      {
        name: "record-only",
        setup: (b) =>
          b.onResolve({ filter: /.*/ }, (args) =>
            args.kind === "entry-point" ? undefined : { path: args.path, external: true },
          ),
      },
    ],
  });
  return Object.values(metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
}

/** Where each specifier resolves from the folder (a fresh node process, no NODE_PATH), or its error. */
function resolveFrom(folder: string, specifiers: readonly string[]): Record<string, string> {
  const script = `const out = {};
for (const s of ${JSON.stringify(specifiers)}) {
  try { out[s] = require.resolve(s, { paths: [process.cwd()] }); } catch (e) { out[s] = "unresolved: " + e.code; }
}
process.stdout.write(JSON.stringify(out));`;
  const env = { ...process.env };
  delete env.NODE_PATH;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: folder, env, encoding: "utf8" }));
}

/**
 * The files a cold start loads from the folder besides index.js: index.js required as Lambda's runtime
 * does, with the function's configuration (Stripe as the provider, so its gateway is built too).
 */
function loadedAtColdStart(spec: FunctionSpec, folder: string): string[] {
  const script = `require("./${BUNDLE_ENTRY_FILE}");
process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const env = lambdaEnvironment(spec, { paymentGateway: "stripe" });
  const loaded: string[] = JSON.parse(
    execFileSync(process.execPath, ["-e", script], { cwd: folder, env, encoding: "utf8" }),
  );
  return loaded.filter((file) => file.startsWith(folder) && file !== join(folder, BUNDLE_ENTRY_FILE));
}

describe.each(FUNCTIONS.map((spec) => [spec.folder, spec] as const))("%s's zip", (folder, spec) => {
  const copy = join(copies, folder);
  beforeAll(() => cpSync(join(root, BUNDLE_ROOT, folder), copy, { recursive: true }));

  test("requires only what it carries, Node's own modules and the runtime's", async () => {
    const required = new Set<string>();
    for (const file of jsFiles(copy)) {
      for (const specifier of await requiredBy(file)) {
        if (!isBuiltin(specifier) && !runtimeProvided(specifier)) required.add(specifier);
      }
    }
    // Every first-use package is required by index.js: a listed one nobody imports would be dead weight.
    expect([...required].sort()).toEqual([...(LAZY_PACKAGES[folder] ?? [])].sort());
    const resolved = resolveFrom(copy, [...required]);
    for (const specifier of required) {
      expect({ specifier, resolved: resolved[specifier] }).toEqual({
        specifier,
        resolved: join(copy, firstUseFile(specifier)),
      });
    }
  });

  test("its SDK clients still know their version (the User-Agent header), all that is kept of their package.json", () => {
    const bundle = readFileSync(join(copy, BUNDLE_ENTRY_FILE), "utf8");
    // Booleans, not the bundle: a failure would print a few hundred KB of minified code. Every
    // function holds at least one client (AWS SDK v3: versions 3.x).
    expect({
      version: /\{version:"3\.\d+\.\d+"\}/.test(bundle),
      wholePackageJson: /\bdevDependencies:/.test(bundle),
    }).toEqual({ version: true, wholePackageJson: false });
  });

  test("carries its configuration's variables and its own list, not every function's, where the stack takes their values nor the settings' defaults", () => {
    const bundle = readFileSync(join(copy, BUNDLE_ENTRY_FILE), "utf8");
    // CONFIG's entries ({env:"…"}) are read; FUNCTION_CONFIG, CONFIG_SOURCES and DEFAULT_SETTINGS
    // are the contracts', the stack's and the local runtime's, up to a kilobyte each in a bundle.
    expect({
      variables: /\{env:"[A-Z_]+"/.test(bundle),
      everyFunctionsList: /OrderPlacement:(\[[^\]]*\]|[\w$]+),StartOrderProcessing:/.test(bundle),
      configSources: /\{resource:"\w+",attribute:"\w+"\}/.test(bundle),
      defaultSettings: /paymentGateway:[\w$]+\.paymentGateway\.default/.test(bundle),
    }).toEqual({ variables: true, everyFunctionsList: false, configSources: false, defaultSettings: false });
  });

  test("its cold start loads none of its first-use files", () => {
    expect(loadedAtColdStart(spec, copy)).toEqual([]);
  });
});
