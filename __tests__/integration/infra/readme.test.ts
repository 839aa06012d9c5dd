/**
 * The README stays true where that is cheap to check: the npm scripts it names exist (and every one
 * is named), its status table is the API's error taxonomy, its variables table and outputs list are
 * the synthesized stack's, and every environment variable the project reads is documented.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CONFIG } from "../../../lambdas/contracts";
import { API_ERRORS } from "../../../lambdas/shared/api-errors";
import { GATEWAY_RESPONSES } from "../../../lambdas/shared/gateway-responses";
import { LOCAL_SERVER_ERRORS } from "../../../local/admin/routes";
import { synthOrderSystem } from "../../support/synth";

const ROOT = join(__dirname, "../../..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const stack = synthOrderSystem("dev");

/** The README's text from a heading to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = readme.indexOf(heading);
  if (start < 0) throw new Error(`The README has no "${heading}"`);
  const level = /^#+/.exec(heading)![0].length;
  const rest = readme.slice(start + heading.length);
  const next = new RegExp(`^#{1,${level}} `, "m").exec(rest);
  return rest.slice(0, next ? next.index : undefined);
}

test("every npm script is documented, and every documented npm script exists", () => {
  const scripts = Object.keys(
    (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: object }).scripts,
  );
  const documented = new Set([...readme.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]));
  const undocumented = scripts.filter((s) => !["test", "start"].includes(s) && !documented.has(s));
  expect(undocumented).toEqual([]);
  expect([...documented].filter((s) => !scripts.includes(s))).toEqual([]);
});

describe("the status table", () => {
  const rows = [
    ...section("### Status codes and headers").matchAll(/^\| (\d{3}|[45]XX)\s+\| `([A-Z_]+)`/gm),
  ].map((m) => [m[2], m[1]] as const);

  test("lists every code the function answers with, with its status", () => {
    for (const [code, status] of Object.entries(API_ERRORS))
      expect(rows).toContainEqual([code, String(status)]);
  });

  test("lists API Gateway's own answers and the local server's", () => {
    for (const response of Object.values(GATEWAY_RESPONSES)) {
      const status =
        "status" in response ? String(response.status) : response.code === "GATEWAY_ERROR" ? "5XX" : "4XX";
      expect(rows).toContainEqual([response.code, status]);
    }
    for (const [code, status] of Object.entries(LOCAL_SERVER_ERRORS))
      expect(rows).toContainEqual([code, String(status)]);
  });

  test("lists nothing else", () => {
    const known = new Set<string>([
      ...Object.keys(API_ERRORS),
      ...Object.values(GATEWAY_RESPONSES).map((r) => r.code),
      ...Object.keys(LOCAL_SERVER_ERRORS),
    ]);
    expect(rows.filter(([code]) => !known.has(code))).toEqual([]);
  });
});

test("the variables table is exactly the stack's variables", () => {
  const documented = [...section("### Terraform variables").matchAll(/^\| `([a-z_]+)`/gm)]
    .map((m) => m[1])
    .sort();
  expect(documented).toEqual(Object.keys(stack.json.variable as object).sort());
});

test("the outputs list is exactly the stack's outputs", () => {
  const listed = [...section("### Outputs (`cdktf output`)").matchAll(/`([a-z][a-z0-9_]+)`/g)].map(
    (m) => m[1],
  );
  const outputs = Object.keys(stack.json.output as object);
  expect(outputs.filter((o) => !listed.includes(o))).toEqual([]);
  // Every snake_case name in the list is an output, or a variable it depends on.
  const variables = Object.keys(stack.json.variable as object);
  expect(
    listed.filter((name) => name.includes("_") && !outputs.includes(name) && !variables.includes(name)),
  ).toEqual([]);
});

test("every environment variable the project reads is documented", () => {
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".ts")) sources.push(readFileSync(path, "utf8"));
    }
  };
  for (const dir of ["local", "scripts", "stacks"]) walk(join(ROOT, dir));
  sources.push(readFileSync(join(ROOT, "main.ts"), "utf8"));
  const read = new Set(
    sources.flatMap((source) =>
      [...source.matchAll(/process\.env\.([A-Z][A-Z0-9_]*[A-Z0-9])\b|\b(ORDER_SYSTEM_[A-Z]+_REGION)\b/g)].map(
        (m) => m[1] ?? m[2],
      ),
    ),
  );
  // Set for the functions by the stack (their contracts), internal to the runtime, or AWS's own.
  const contractNames = new Set<string>(Object.values(CONFIG).map((c) => c.env));
  const notForUsers = (name: string) =>
    contractNames.has(name) ||
    /^(AWS_|LOCAL_DYNAMODB_|POWERTOOLS_)/.test(name) ||
    ["PATH", "CHECKPOINT_DISABLE"].includes(name);
  const undocumented = [...read].filter((name) => !notForUsers(name) && !readme.includes(`\`${name}\``));
  expect(undocumented).toEqual([]);
});
