/**
 * Offline `terraform init/validate/plan` of synthesized stacks, for the test suite and
 * `npm run plan:offline`. Test-harness only: nothing here is part of the deployed configuration.
 *
 * Every plan (each stack with its defaults, and each variant's values) is a module of one root
 * module under .plan-offline/, planned by one `terraform plan`; each variant's values are first
 * checked against the stack's variable blocks alone, so a refused value is reported without a plan.
 *
 * What is substituted, and only in the copy under .plan-offline/:
 * - every `data.archive_file` (hashicorp/archive is not mirrored here) is replaced by a zip this
 *   harness builds from the same source_dir at the same output_path; references to its
 *   `output_path` and `output_base64sha256` become those literal values;
 * - the backend is removed (a module has none; the plans use the root module's local state, and
 *   the remote state is never touched);
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

/** A stack's synthesized Terraform JSON, as cdktf wrote it. */
function synthesizedStack(options: HarnessOptions, stack: string): Json {
  return JSON.parse(readFileSync(join(options.synthDir, "stacks", stack, "cdk.tf.json"), "utf8")) as Json;
}

/** Writes the stack's JSON (archives substituted, no backend) and the offline provider override: a module. */
function prepareModuleDir(synthesized: Json, moduleDir: string, stub: StubServer): string[] {
  rmSync(moduleDir, { recursive: true, force: true });
  mkdirSync(moduleDir, { recursive: true });
  const { config, substituted } = substituteArchives(synthesized, moduleDir);
  // A child module's backend is ignored with a warning; state is never written (plans only).
  delete (config.terraform as Json | undefined)?.backend;
  writeFileSync(join(moduleDir, "cdk.tf.json"), JSON.stringify(config, null, 2));
  writeFileSync(join(moduleDir, "provider_override.tf.json"), JSON.stringify(providerOverride(stub)));
  return substituted;
}

/** One plan to run: a stack with its defaults (variant undefined), or with a variant's values. */
interface PlanRequest {
  readonly stack: string;
  readonly variant?: PlanVariant;
  readonly index: number;
}

type VariableCheck =
  | { readonly ok: true; readonly values: Record<string, unknown> }
  | { readonly ok: false; readonly error: string };

/**
 * Terraform's verdict on a plan's variable values, from a root module holding only the stack's
 * `variable` blocks, copied as synthesized (every validation rule, cross-variable ones included):
 * the same refusal a plan of the whole stack reports, without loading the provider. Accepted values
 * come back as Terraform parsed them (numbers, lists), ready to pass to the stack as a module.
 */
async function checkVariables(
  terraform: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  request: PlanRequest,
): Promise<VariableCheck> {
  const planFile = `variables-${request.index}.tfplan`;
  const vars = Object.entries(request.variant?.vars ?? {}).flatMap(([name, value]) => [
    "-var",
    `${name}=${value}`,
  ]);
  const plan = await run(
    terraform,
    ["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", `-out=${planFile}`, ...vars],
    dir,
    env,
  );
  if (plan.code !== 0) return { ok: false, error: plan.stderr || plan.stdout };
  const show = await run(terraform, ["show", "-json", planFile], dir, env);
  if (show.code !== 0) throw new Error(`terraform show of ${dir}/${planFile} failed:\n${show.stderr}`);
  const planned = JSON.parse(show.stdout) as { variables?: Record<string, { value: unknown }> };
  const values = Object.fromEntries(
    Object.entries(planned.variables ?? {}).map(([name, variable]) => [name, variable.value]),
  );
  return { ok: true, values };
}

/** Writes the variables-only root module of a stack and initializes it (no provider, no backend). */
async function prepareVariablesDir(
  terraform: string,
  stack: string,
  synthesized: Json,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "variables.tf.json"),
    JSON.stringify(synthesized.variable ? { variable: synthesized.variable } : {}, null, 2),
  );
  const init = await run(terraform, ["init", "-input=false", "-no-color"], dir, env);
  if (init.code !== 0) throw new Error(`[${stack}] terraform init (variables) failed:\n${init.stderr}`);
}

/** A module name for each plan: `order-system-dev` → order_system_dev, its variants order_system_dev_variant_N. */
function moduleName(request: PlanRequest): string {
  const base = request.stack.replace(/[^A-Za-z0-9_]/g, "_");
  return request.variant ? `${base}_variant_${request.index}` : base;
}

interface PlanJson {
  planned_values: { root_module: { child_modules?: { address: string; resources?: Json[] }[] } };
  resource_changes?: (Json & { address: string; module_address?: string })[];
  configuration: {
    provider_config?: Record<string, Json & { name: string; module_address?: string }>;
    root_module: { module_calls?: Record<string, { module: Json }> };
  };
}

/**
 * One module's part of the combined plan, shaped as a plan of that stack alone would be: its
 * resources and changes at their addresses inside the stack, its provider configuration, the
 * variable values it was planned with.
 */
function modulePlan(plan: PlanJson, name: string, variables: Record<string, unknown>): Json {
  const moduleAddress = `module.${name}`;
  const inside = (address: string) => address.slice(moduleAddress.length + 1);
  const child = plan.planned_values.root_module.child_modules?.find((m) => m.address === moduleAddress);
  const ofModule = (address?: string) =>
    address === moduleAddress || address?.startsWith(`${moduleAddress}.`);
  return {
    planned_values: {
      root_module: {
        resources: (child?.resources ?? []).map((r) => ({ ...r, address: inside(String(r.address)) })),
      },
    },
    resource_changes: (plan.resource_changes ?? [])
      .filter((change) => ofModule(change.module_address))
      .map(({ module_address: _, ...change }) => ({ ...change, address: inside(change.address) })),
    configuration: {
      provider_config: Object.fromEntries(
        Object.values(plan.configuration.provider_config ?? {})
          .filter((provider) => provider.module_address === moduleAddress)
          .map(({ module_address: _, ...provider }) => [provider.name, provider]),
      ),
      root_module: plan.configuration.root_module.module_calls?.[name]?.module ?? {},
    },
    variables: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, { value }])),
  };
}

/**
 * Terraform's own warnings, by the stack whose files they name. "Redundant empty provider block" is
 * not the stack's: Terraform reports it for every provider block of a module called from a root.
 */
function warningsByStack(planOutput: string, stacks: readonly string[]): Record<string, string[]> {
  const byStack: Record<string, string[]> = Object.fromEntries(stacks.map((stack) => [stack, []]));
  for (const block of planOutput.split(/\n(?=Warning: )/).filter((b) => b.startsWith("Warning: "))) {
    const summary = block.slice(
      "Warning: ".length,
      block.indexOf("\n") > 0 ? block.indexOf("\n") : undefined,
    );
    if (summary.trim() === "Redundant empty provider block") continue;
    const stack = stacks.find((s) => block.includes(`stacks/${s}/`));
    if (stack && !byStack[stack].includes(summary.trim())) byStack[stack].push(summary.trim());
  }
  return byStack;
}

/**
 * Plans every stack, and each variant of it, offline. Each plan's variables are checked first against
 * the stack's variable blocks alone (a refused value is a result, not a throw); then every accepted
 * plan is a module of one root module, planned by one `terraform plan`: the provider's schema loads
 * once (about 5 s of CPU per terraform command otherwise) and Terraform plans the modules in
 * parallel. Each module's part is written as its own plan JSON.
 */
export async function planStacks(options: HarnessOptions, stacks: string[]): Promise<PlanSummary[]> {
  const terraform = options.terraformBin ?? findTerraform();
  if (!terraform) throw new Error("terraform CLI not found on PATH (set TERRAFORM_BIN to its path).");
  const log = options.log ?? (() => undefined);
  // Modules sit at .plan-offline/stacks/<stack>, the depth of cdktf.out/stacks/<stack>: from the root
  // module's directory, ${path.module}/../../.. still reaches the project root.
  const workRoot = options.workRoot ?? join(options.projectRoot, ".plan-offline");
  const env = offlineEnvironment(options, workRoot, log);
  const stub = await startAwsStub();
  try {
    const substituted: Record<string, string[]> = {};
    const checks = new Map<PlanRequest, VariableCheck>();
    for (const stack of stacks) {
      const synthesized = synthesizedStack(options, stack);
      substituted[stack] = prepareModuleDir(synthesized, join(workRoot, "stacks", stack), stub);
      for (const [request, check] of await checkStackVariables(
        terraform,
        options,
        { stack, synthesized },
        workRoot,
        env,
        log,
      )) {
        checks.set(request, check);
      }
    }
    writeRootModule(workRoot, checks);
    const combined = await planModules(
      terraform,
      workRoot,
      env,
      log,
      options.validateSeparately ?? true,
      stacks,
    );
    const warnings = warningsByStack(combined.output, stacks);
    const planOf = (request: PlanRequest, values: Record<string, unknown>) => {
      const view = modulePlan(combined.plan, moduleName(request), values);
      const file = request.variant ? `variant-${request.index}.json` : "plan.json";
      const planJsonPath = join(workRoot, "stacks", request.stack, file);
      writeFileSync(planJsonPath, JSON.stringify(view));
      return { planJsonPath, ...summarisePlan(view) };
    };
    return stacks.map((stack) => {
      const ofStack = [...checks].filter(([request]) => request.stack === stack);
      const variants: Record<string, VariantResult> = {};
      // A stack's own values were accepted (checkStackVariables throws otherwise): it has a plan.
      let defaults: ReturnType<typeof planOf> | undefined;
      for (const [request, check] of ofStack) {
        if (!request.variant && check.ok) defaults = planOf(request, check.values);
        else if (request.variant)
          variants[request.variant.label] = check.ok
            ? { ok: true, ...planOf(request, check.values) }
            : { ok: false, error: check.error };
      }
      return {
        stack,
        validate: { valid: true, diagnostics: combined.diagnostics },
        ...defaults!,
        warnings: warnings[stack],
        substitutedArchives: substituted[stack],
        variants,
      };
    });
  } finally {
    await stub.close();
  }
}

/** The CLI configuration (the provider mirror) and the environment every terraform command runs with. */
function offlineEnvironment(options: HarnessOptions, workRoot: string, log: (line: string) => void) {
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
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfigFile,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    TF_VAR_notification_email: process.env.TF_VAR_notification_email ?? "orders-ops@example.com",
    AWS_ACCESS_KEY_ID: "AKIAOFFLINEPLAN00000",
    AWS_SECRET_ACCESS_KEY: "offline-plan-not-a-secret",
    AWS_EC2_METADATA_DISABLED: "true",
    // Terraform and the AWS provider are Go programs that allocate heavily while planning: collecting
    // garbage a quarter as often takes about a sixth less CPU, for about 2.8 GB at peak instead of 1.6.
    GOGC: process.env.GOGC ?? "400",
  };
}

/** The variables of a stack's default plan and of each variant: a stack whose defaults are refused stops the run. */
async function checkStackVariables(
  terraform: string,
  options: HarnessOptions,
  { stack, synthesized }: { readonly stack: string; readonly synthesized: Json },
  workRoot: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<Map<PlanRequest, VariableCheck>> {
  const variablesDir = join(workRoot, "variables", stack);
  await prepareVariablesDir(terraform, stack, synthesized, variablesDir, env);
  const requests: PlanRequest[] = [
    { stack, index: 0 },
    ...(options.variants?.[stack] ?? []).map((variant, index) => ({ stack, variant, index: index + 1 })),
  ];
  const checks = new Map<PlanRequest, VariableCheck>();
  for (const request of requests) {
    const check = await checkVariables(terraform, variablesDir, env, request);
    log(
      `[${stack}] variables${request.variant ? ` (${request.variant.label})` : ""}: ${check.ok ? "accepted" : "refused"}`,
    );
    if (!request.variant && !check.ok)
      throw new Error(`[${stack}] terraform refused its variables:\n${check.error}`);
    checks.set(request, check);
  }
  return checks;
}

/** The root module: one module per accepted plan, given its variable values as Terraform parsed them. */
function writeRootModule(workRoot: string, checks: ReadonlyMap<PlanRequest, VariableCheck>): void {
  const modules = [...checks].flatMap(([request, check]) =>
    check.ok
      ? [[moduleName(request), { source: `./stacks/${request.stack}`, ...check.values }] as const]
      : [],
  );
  writeFileSync(
    join(workRoot, "main.tf.json"),
    JSON.stringify({ module: Object.fromEntries(modules) }, null, 2),
  );
}

/** init, validate (unless the plan's own validation is enough), plan and show of the root module. */
async function planModules(
  terraform: string,
  workRoot: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  validateSeparately: boolean,
  stacks: readonly string[],
): Promise<{ plan: PlanJson; output: string; diagnostics: string[] }> {
  const what = stacks.join(", ");
  log("terraform init (every plan a module of one root module)");
  const init = await run(terraform, ["init", "-input=false", "-no-color", "-reconfigure"], workRoot, env);
  if (init.code !== 0) throw new Error(`terraform init of ${what} failed:\n${init.stderr || init.stdout}`);
  let diagnostics: string[] = [];
  if (validateSeparately) {
    log("terraform validate");
    const validate = await run(terraform, ["validate", "-json", "-no-color"], workRoot, env);
    const validateJson = JSON.parse(validate.stdout) as { valid: boolean; diagnostics: Json[] };
    diagnostics = validateJson.diagnostics
      .filter((d) => d.summary !== "Redundant empty provider block")
      .map((d) => `${d.severity}: ${d.summary} ${d.detail ?? ""}`.trim());
    if (!validateJson.valid)
      throw new Error(`terraform validate of ${what} failed:\n${diagnostics.join("\n")}`);
  }
  log("terraform plan");
  const plan = await run(
    terraform,
    ["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=offline.tfplan"],
    workRoot,
    env,
  );
  if (plan.code !== 0) throw new Error(`terraform plan of ${what} failed:\n${plan.stderr || plan.stdout}`);
  log("terraform show");
  const show = await run(terraform, ["show", "-json", "offline.tfplan"], workRoot, env);
  if (show.code !== 0) throw new Error(`terraform show of ${what} failed:\n${show.stderr}`);
  return { plan: JSON.parse(show.stdout) as PlanJson, output: plan.stdout, diagnostics };
}
