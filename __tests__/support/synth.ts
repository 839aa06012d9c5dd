import { Testing } from "cdktf";
import { ENVIRONMENTS, type BackendConfig } from "../../stacks/config";
import { OrderSystemStack } from "../../stacks/order-system-stack";
import type { SynthesizedStack } from "../../stacks/policy-checks";

export interface Synthesized {
  readonly text: string;
  readonly json: SynthesizedStack & Record<string, unknown>;
}

const cache = new Map<string, Synthesized>();

/** Synthesizes the order system for an environment once per test file (synth is the slow part). */
export function synthOrderSystem(environmentName = "dev", backend?: BackendConfig): Synthesized {
  const key = `${environmentName}:${backend ? "backend" : "local"}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const environment = ENVIRONMENTS.find((e) => e.name === environmentName)!;
  const app = Testing.app();
  const stack = new OrderSystemStack(app, `order-system-${environmentName}`, { environment, backend });
  const text = Testing.synth(stack);
  const result = { text, json: JSON.parse(text) as Synthesized["json"] };
  cache.set(key, result);
  return result;
}

type Blocks = Record<string, Record<string, Record<string, unknown>>>;

/** The one resource of a type whose Terraform name (logical id) is given. */
export function resourceNamed(s: Synthesized, type: string, name: string): Record<string, unknown> {
  const found = (s.json.resource as Blocks | undefined)?.[type]?.[name];
  if (!found) throw new Error(`No ${type}.${name} in the stack`);
  return found;
}

export function resourcesOf(s: Synthesized, type: string): Record<string, Record<string, unknown>> {
  return (s.json.resource as Blocks | undefined)?.[type] ?? {};
}

export function dataOf(s: Synthesized, type: string): Record<string, Record<string, unknown>> {
  return (s.json.data as Blocks | undefined)?.[type] ?? {};
}

/** A Terraform local's value (a string: JSON with references inside, as byWorkflowType writes it). */
export function localNamed(s: Synthesized, name: string): string {
  const found = (s.json.locals as Record<string, unknown> | undefined)?.[name];
  if (typeof found !== "string") throw new Error(`No local ${name} in the stack`);
  return found;
}
