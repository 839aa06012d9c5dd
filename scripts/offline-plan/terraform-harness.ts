/**
 * Offline `terraform init/validate/plan` of synthesized stacks, for the test suite and
 * `npm run plan:offline`. Test-harness only: nothing here is part of the deployed configuration.
 *
 * What is substituted, and only in the copy under .plan-offline/:
 * - every `data.archive_file` (hashicorp/archive is not mirrored here) is replaced by a zip this
 *   harness builds from the same source_dir at the same output_path; references to its
 *   `output_path` and `output_base64sha256` become those literal values;
 * - the backend becomes a local one (backend_override.tf.json): the remote state is never touched;
 * - the AWS provider gets fake credentials, `skip_*` flags and loopback endpoints for STS and
 *   Step Functions (provider_override.tf.json), served by aws-stub-server.ts.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { zipSync } from "fflate";
import { startAwsStub, type StubServer } from "./aws-stub-server";

export const DEFAULT_PROVIDER_MIRROR = "/opt/tf-plugins";

export interface PlanSummary {
  readonly stack: string;
  readonly validate: { readonly valid: boolean; readonly diagnostics: readonly string[] };
  readonly toCreate: Record<string, number>;
  readonly warnings: readonly string[];
  readonly planJsonPath: string;
  readonly substitutedArchives: readonly string[];
  /** Further plans of the same stack with other variable values, by label. */
  readonly variants: Readonly<Record<string, VariantResult>>;
}

/** Another plan of an initialized stack with `-var name=value` for each entry. */
export interface PlanVariant {
  readonly label: string;
  /** Terraform expressions: strings quoted, lists as `["a", "b"]`. */
  readonly vars: Readonly<Record<string, string>>;
}

export type VariantResult =
  | { readonly ok: true; readonly toCreate: Record<string, number>; readonly planJsonPath: string }
  | { readonly ok: false; readonly error: string };

export interface HarnessOptions {
  readonly projectRoot: string;
  /** Folder holding cdktf.out-style `stacks/<name>/cdk.tf.json`. */
  readonly synthDir: string;
  readonly workRoot?: string;
  readonly terraformBin?: string;
  readonly providerMirror?: string;
  readonly log?: (line: string) => void;
  /** Plans to run per stack after its default plan (each setting value once, not a plan per test). */
  readonly variants?: Readonly<Record<string, readonly PlanVariant[]>>;
  /**
   * Runs `terraform validate` before each plan (default). The plan validates the same
   * configuration as it plans; a caller that needs only the plan's verdict (the test suite, where
   * each terraform command costs seconds of CPU) can skip the separate run.
   */
  readonly validateSeparately?: boolean;
}

interface Json {
  [key: string]: unknown;
}

export function findTerraform(bin = process.env.TERRAFORM_BIN ?? "terraform"): string | undefined {
  if (bin.includes("/")) return existsSync(bin) ? bin : undefined;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const candidate = join(dir, bin);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function zipDirectory(dir: string): Uint8Array {
  const files: Record<string, [Uint8Array, { mtime: Date }]> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current).sort()) {
      const full = join(current, entry);
      if (statSync(full).isDirectory()) walk(full);
      // A fixed timestamp: the same bundle always zips to the same bytes and hash.
      else files[relative(dir, full)] = [readFileSync(full), { mtime: new Date("2020-01-01T00:00:00Z") }];
    }
  };
  walk(dir);
  return zipSync(files, { level: 6 });
}

/** Replaces data.archive_file with harness-built zips; returns the rewritten config and what was replaced. */
export function substituteArchives(config: Json, moduleDir: string): { config: Json; substituted: string[] } {
  const data = (config.data ?? {}) as Record<string, Record<string, Json>>;
  const archives = data.archive_file ?? {};
  let text = JSON.stringify(config);
  const substituted: string[] = [];
  for (const [name, block] of Object.entries(archives)) {
    const resolvePath = (p: string) => p.replace("${path.module}", moduleDir);
    const sourceDir = resolvePath(String(block.source_dir));
    const outputPath = String(block.output_path);
    if (!existsSync(sourceDir)) {
      throw new Error(`archive_file.${name}: ${sourceDir} does not exist. Run \`npm run build\` first.`);
    }
    const zip = zipDirectory(sourceDir);
    mkdirSync(dirname(resolvePath(outputPath)), { recursive: true });
    writeFileSync(resolvePath(outputPath), zip);
    const hash = createHash("sha256").update(zip).digest("base64");
    text = text
      .split(`\${data.archive_file.${name}.output_path}`)
      .join(outputPath)
      .split(`\${data.archive_file.${name}.output_base64sha256}`)
      .join(hash);
    substituted.push(name);
  }
  const rewritten = JSON.parse(text) as Json;
  if (rewritten.data) {
    delete (rewritten.data as Json).archive_file;
    if (Object.keys(rewritten.data as Json).length === 0) delete rewritten.data;
  }
  if (rewritten.provider) delete (rewritten.provider as Json).archive;
  const terraform = rewritten.terraform as Json | undefined;
  if (terraform?.required_providers) delete (terraform.required_providers as Json).archive;
  return { config: rewritten, substituted };
}

function cliConfig(mirror: string | undefined): string {
  if (!mirror) return "";
  return [
    "provider_installation {",
    `  filesystem_mirror {`,
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = ["registry.terraform.io/hashicorp/aws"]`,
    "  }",
    "  direct {",
    `    exclude = ["registry.terraform.io/hashicorp/aws"]`,
    "  }",
    "}",
    "",
  ].join("\n");
}

function providerOverride(stub: StubServer): Json {
  return {
    provider: {
      aws: [
        {
          access_key: "AKIAOFFLINEPLAN00000",
          secret_key: "offline-plan-not-a-secret",
          skip_credentials_validation: true,
          skip_metadata_api_check: true,
          skip_region_validation: true,
          skip_requesting_account_id: false,
          endpoints: [{ sts: stub.url, sfn: stub.url }],
        },
      ],
    },
  };
}

function summarisePlan(plan: Json): { toCreate: Record<string, number> } {
  const toCreate: Record<string, number> = {};
  for (const change of (plan.resource_changes ?? []) as Json[]) {
    const actions = ((change.change as Json).actions ?? []) as string[];
    if (change.mode === "managed" && actions.includes("create")) {
      const type = String(change.type);
      toCreate[type] = (toCreate[type] ?? 0) + 1;
    }
  }
  return { toCreate };
}

export function listStacks(synthDir: string): string[] {
  const stacksDir = join(synthDir, "stacks");
  if (!existsSync(stacksDir)) return [];
  return readdirSync(stacksDir).filter((s) => existsSync(join(stacksDir, s, "cdk.tf.json")));
}

/** Writes the stack's JSON (archives substituted) with a local backend and the offline provider override. */
function prepareWorkDir(options: HarnessOptions, stack: string, workDir: string, stub: StubServer): string[] {
  const source = join(options.synthDir, "stacks", stack, "cdk.tf.json");
  rmSync(join(workDir, "cdk.tf.json"), { force: true });
  mkdirSync(workDir, { recursive: true });
  const original = JSON.parse(readFileSync(source, "utf8")) as Json;
  const { config, substituted } = substituteArchives(original, workDir);
  writeFileSync(join(workDir, "cdk.tf.json"), JSON.stringify(config, null, 2));
  writeFileSync(
    join(workDir, "backend_override.tf.json"),
    JSON.stringify({ terraform: { backend: { local: { path: "offline.tfstate" } } } }),
  );
  writeFileSync(join(workDir, "provider_override.tf.json"), JSON.stringify(providerOverride(stub)));
  return substituted;
}

/** init, validate (unless the plan's own validation is enough), plan and show for one prepared stack directory. */
async function planOne(
  terraform: string,
  stack: string,
  workDir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  validateSeparately: boolean,
): Promise<Omit<PlanSummary, "substitutedArchives" | "variants">> {
  log(`[${stack}] terraform init`);
  const init = await run(terraform, ["init", "-input=false", "-no-color", "-reconfigure"], workDir, env);
  if (init.code !== 0) throw new Error(`[${stack}] terraform init failed:\n${init.stderr || init.stdout}`);
  let diagnostics: string[] = [];
  if (validateSeparately) {
    log(`[${stack}] terraform validate`);
    const validate = await run(terraform, ["validate", "-json", "-no-color"], workDir, env);
    const validateJson = JSON.parse(validate.stdout) as { valid: boolean; diagnostics: Json[] };
    diagnostics = validateJson.diagnostics.map((d) => `${d.severity}: ${d.summary} ${d.detail ?? ""}`.trim());
    if (!validateJson.valid)
      throw new Error(`[${stack}] terraform validate failed:\n${diagnostics.join("\n")}`);
  }
  log(`[${stack}] terraform plan`);
  const plan = await run(
    terraform,
    ["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=offline.tfplan"],
    workDir,
    env,
  );
  if (plan.code !== 0) throw new Error(`[${stack}] terraform plan failed:\n${plan.stderr || plan.stdout}`);
  const show = await run(terraform, ["show", "-json", "offline.tfplan"], workDir, env);
  if (show.code !== 0) throw new Error(`[${stack}] terraform show failed:\n${show.stderr}`);
  const planJsonPath = join(workDir, "plan.json");
  writeFileSync(planJsonPath, show.stdout);
  const warnings = [...plan.stdout.matchAll(/Warning: (.+)/g)].map((m) => m[1].trim());
  return {
    stack,
    validate: { valid: true, diagnostics },
    ...summarisePlan(JSON.parse(show.stdout) as Json),
    warnings: [...new Set([...diagnostics.filter((d) => d.startsWith("warning")), ...warnings])],
    planJsonPath,
  };
}

/** How many variant plans run at once. */
const VARIANT_CONCURRENCY = 2;

/** Plans an initialized stack again with other variable values; a refused value is a result, not a throw. */
async function planVariant(
  terraform: string,
  workDir: string,
  env: NodeJS.ProcessEnv,
  variant: PlanVariant,
  index: number,
): Promise<VariantResult> {
  const planFile = `variant-${index}.tfplan`;
  const vars = Object.entries(variant.vars).flatMap(([name, value]) => ["-var", `${name}=${value}`]);
  const plan = await run(
    terraform,
    ["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", `-out=${planFile}`, ...vars],
    workDir,
    env,
  );
  if (plan.code !== 0) return { ok: false, error: plan.stderr || plan.stdout };
  const show = await run(terraform, ["show", "-json", planFile], workDir, env);
  if (show.code !== 0) return { ok: false, error: show.stderr };
  const planJsonPath = join(workDir, `variant-${index}.json`);
  writeFileSync(planJsonPath, show.stdout);
  return { ok: true, ...summarisePlan(JSON.parse(show.stdout) as Json), planJsonPath };
}

export async function planStacks(options: HarnessOptions, stacks: string[]): Promise<PlanSummary[]> {
  const terraform = options.terraformBin ?? findTerraform();
  if (!terraform) throw new Error("terraform CLI not found on PATH (set TERRAFORM_BIN to its path).");
  const log = options.log ?? (() => undefined);
  // Same depth as cdktf.out/stacks/<stack>, so ${path.module}/../../.. still reaches the project root.
  const workRoot = options.workRoot ?? join(options.projectRoot, ".plan-offline");
  const mirrorSetting = options.providerMirror ?? process.env.TF_PROVIDER_MIRROR ?? DEFAULT_PROVIDER_MIRROR;
  const mirror = existsSync(mirrorSetting) ? mirrorSetting : undefined;
  mkdirSync(workRoot, { recursive: true });
  const cliConfigFile = join(workRoot, "terraform.rc");
  writeFileSync(cliConfigFile, cliConfig(mirror));
  log(
    mirror
      ? `Providers: filesystem mirror ${mirror} (hashicorp/aws)`
      : "Providers: registry (no local mirror found)",
  );

  const stub = await startAwsStub();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfigFile,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    TF_VAR_notification_email: process.env.TF_VAR_notification_email ?? "orders-ops@example.com",
    AWS_ACCESS_KEY_ID: "AKIAOFFLINEPLAN00000",
    AWS_SECRET_ACCESS_KEY: "offline-plan-not-a-secret",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const summaries: PlanSummary[] = [];
  try {
    for (const stack of stacks) {
      const workDir = join(workRoot, "stacks", stack);
      const substituted = prepareWorkDir(options, stack, workDir, stub);
      const summary = await planOne(terraform, stack, workDir, env, log, options.validateSeparately ?? true);
      const variants: Record<string, VariantResult> = {};
      // Variants only read the initialized directory (each writes its own plan file, no lock): two at
      // a time keep both cores busy.
      const queue = [...(options.variants?.[stack] ?? []).entries()];
      const worker = async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [index, variant] = next;
          log(`[${stack}] terraform plan (${variant.label})`);
          variants[variant.label] = await planVariant(terraform, workDir, env, variant, index);
        }
      };
      await Promise.all(Array.from({ length: VARIANT_CONCURRENCY }, worker));
      summaries.push({ ...summary, substitutedArchives: substituted, variants });
    }
  } finally {
    await stub.close();
  }
  return summaries;
}
