/**
 * The synthesized order system the local runtime enforces: the same Terraform JSON `cdktf synth`
 * writes for the dev stack, plus each Terraform reference the policies use paired with its local twin
 * (`${aws_dynamodb_table.OrdersTable.arn}` → the local orders table's ARN). Pairs come from the
 * stack's own resource handles and the local ones (runtime/resources.ts), key by key, so nothing here
 * lists resources by hand.
 *
 * Synthesizing takes seconds; the result is kept under node_modules/.cache, keyed by a hash of every
 * source the stack is built from, so an unchanged project is synthesized once.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DefaultTokenResolver, StringConcat, Testing, Tokenization } from "cdktf";
import { FUNCTIONS } from "../../lambdas/platform/contracts";
import { type ResourceName } from "../../lambdas/platform/resources";
import type { WorkflowResources } from "../../lambdas/workflow/definition";
import { ENVIRONMENTS } from "../../stacks/config";
import { OrderSystemStack } from "../../stacks/order-system-stack";
import { LOCAL_RESOURCES, localWorkflowResources } from "../runtime/resources";

/** The environment whose stack the local runtime mirrors. */
export const LOCAL_MIRRORED_ENVIRONMENT = "dev";

/** The parts of the synthesized Terraform JSON the local IAM enforcement reads. */
export interface TerraformJson {
  readonly variable?: Record<string, { readonly default?: unknown }>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
}

export interface SynthesizedStack {
  readonly json: TerraformJson;
  /** [Terraform expression, local value], longest expression first (substituted in that order). */
  readonly references: readonly (readonly [string, string])[];
  /** The synthesized environment's name prefix (role names are shown with the local one instead). */
  readonly namePrefix: string;
}

/** Changes the stack before it is synthesized (tests: a stack missing one permission). */
export type StackVariant = (stack: OrderSystemStack) => void;

/** The Terraform expression each local twin stands for. */
function referencePairs(stack: OrderSystemStack): [string, string][] {
  const resolver = new DefaultTokenResolver(new StringConcat());
  const text = (value: string) => String(Tokenization.resolve(value, { scope: stack, resolver }));
  const resources = (Object.keys(LOCAL_RESOURCES) as ResourceName[]).map((name): [string, string] => [
    text(stack.resources[name].arn),
    LOCAL_RESOURCES[name].arn,
  ]);
  const workflow = (resources: WorkflowResources) => [
    ...FUNCTIONS.map((spec) => resources.functionArn(spec.id)),
    resources.orderErrorTopicArn,
    resources.criticalAlertsTopicArn,
    resources.eventBusArn,
  ];
  const deployed = workflow(stack.workflowResources).map(text);
  const local = workflow(localWorkflowResources(0));
  return [...resources, ...deployed.map((expression, i): [string, string] => [expression, local[i]])];
}

export function synthesizeStack(variant?: StackVariant): SynthesizedStack {
  const environment = ENVIRONMENTS.find((e) => e.name === LOCAL_MIRRORED_ENVIRONMENT)!;
  const stack = new OrderSystemStack(Testing.app(), `order-system-${environment.name}`, { environment });
  variant?.(stack);
  const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
  const references = referencePairs(stack)
    .filter(([expression, local]) => expression !== local)
    .sort(([a], [b]) => b.length - a.length);
  return { json, references, namePrefix: environment.namePrefix };
}

/** Every source file the synthesized stack depends on, in a stable order. */
function stackSources(projectRoot: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      if (entry === "node_modules") continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|json)$/.test(entry)) files.push(path);
    }
  };
  for (const dir of ["stacks", "lambdas", "local"]) walk(join(projectRoot, dir));
  files.push(join(projectRoot, "package-lock.json"));
  return files;
}

/** The synthesized dev stack: from the cache when no source changed since it was made, else made now. */
export function loadSynthesizedStack(projectRoot: string, variant?: StackVariant): SynthesizedStack {
  if (variant) return synthesizeStack(variant);
  const hash = createHash("sha256");
  for (const file of stackSources(projectRoot)) hash.update(file).update(readFileSync(file));
  const cacheDir = join(projectRoot, "node_modules", ".cache", "order-system-iam");
  const key = hash.digest("hex").slice(0, 24);
  const cached = join(cacheDir, `${key}.json`);
  try {
    return JSON.parse(readFileSync(cached, "utf8")) as SynthesizedStack;
  } catch {
    // Not made yet (or unreadable): synthesize.
  }
  const synthesized = synthesizeStack();
  mkdirSync(cacheDir, { recursive: true });
  for (const old of readdirSync(cacheDir).filter((file) => !file.startsWith(key))) {
    rmSync(join(cacheDir, old), { force: true });
  }
  // Written aside and renamed: a runtime starting meanwhile reads the whole file or none.
  const staging = `${cached}.${process.pid}`;
  writeFileSync(staging, JSON.stringify(synthesized));
  renameSync(staging, cached);
  return synthesized;
}
