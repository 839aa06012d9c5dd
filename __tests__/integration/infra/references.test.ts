/**
 * Every Terraform variable the synthesized JSON refers to is declared, so a reference to a missing
 * variable fails here at synth time rather than only in `terraform validate`.
 */
import { TerraformOutput, Testing } from "cdktf";
import { ENVIRONMENTS } from "../../../stacks/config";
import { OrderSystemStack } from "../../../stacks/order-system-stack";
import { synthOrderSystem } from "../../support/synth";

/** Names used as `var.<name>` anywhere in the JSON that no `variable` block declares. */
function undeclaredVariables(
  json: { variable?: Record<string, unknown> } & Record<string, unknown>,
): string[] {
  const used = new Set(
    [...JSON.stringify(json).matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g)].map((m) => m[1]),
  );
  return [...used].filter((name) => !(name in (json.variable ?? {}))).sort();
}

test.each(ENVIRONMENTS.map((e) => [e.name]))("order-system-%s refers only to declared variables", (name) => {
  const { json } = synthOrderSystem(name);
  expect(Object.keys(json.variable ?? {}).length).toBeGreaterThan(5);
  expect(undeclaredVariables(json)).toEqual([]);
});

test("a reference to a variable nobody declared is found", () => {
  const stack = new OrderSystemStack(Testing.app(), "order-system-dev", { environment: ENVIRONMENTS[0] });
  new TerraformOutput(stack, "broken", { value: "${var.not_declared_anywhere}" });
  expect(undeclaredVariables(JSON.parse(Testing.synth(stack)))).toEqual(["not_declared_anywhere"]);
});
