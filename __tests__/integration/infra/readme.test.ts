/**
 * The README and the pages it points to stay true where that is cheap to check: the README fits a
 * ten-minute read and every link in it resolves; the npm scripts the docs name exist (and every one
 * is named); the options table is the CLI's own; docs/API.md's status table is the API's error
 * taxonomy; docs/DEPLOY.md's variables table and outputs list are the synthesized stack's; and every
 * environment variable the project reads is documented.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CONFIG } from "../../../lambdas/platform/config";
import { API_ERRORS } from "../../../lambdas/platform/api-errors";
import { GATEWAY_RESPONSES } from "../../../lambdas/platform/gateway-responses";
import { LOCAL_SERVER_ERRORS } from "../../../local/admin/routes";
import { optionsTableMarkdown } from "../../../local/options";
import { synthOrderSystem } from "../../support/synth";

const ROOT = join(__dirname, "../../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const readme = read("README.md");
const DOC_PAGES = readdirSync(join(ROOT, "docs"))
  .filter((f) => f.endsWith(".md"))
  .map((f) => `docs/${f}`);
/** The README and every page under docs/: where a fact may be documented. */
const docs = [readme, ...DOC_PAGES.map(read)].join("\n");
const stack = synthOrderSystem("dev");

/** A page's text from a heading to the next heading of the same or a higher level. */
function section(page: string, heading: string): string {
  const text = read(page);
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`${page} has no "${heading}"`);
  const level = /^#+/.exec(heading)![0].length;
  const rest = text.slice(start + heading.length + 1);
  const next = new RegExp(`^#{1,${level}} `, "m").exec(rest);
  return rest.slice(0, next ? next.index : undefined);
}

/** GitHub's anchor for a heading. */
const anchorOf = (heading: string) =>
  heading
    .replace(/^#+\s*/, "")
    .toLowerCase()
    .replace(/[^\w\- ]/g, "")
    .replace(/ /g, "-");

describe("the README", () => {
  test("is a ten-minute read: at most 350 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(350);
  });

  test("every link to a file or a heading resolves", () => {
    const broken: string[] = [];
    for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^https?:/.test(target)) continue;
      const [path, anchor] = target.split("#");
      const file = path === "" ? "README.md" : path;
      if (!existsSync(join(ROOT, file))) {
        broken.push(target);
        continue;
      }
      if (anchor && !statSync(join(ROOT, file)).isDirectory()) {
        const headings = read(file)
          .split("\n")
          .filter((line) => /^#{1,6} /.test(line))
          .map(anchorOf);
        if (!headings.includes(anchor)) broken.push(target);
      }
    }
    expect(broken).toEqual([]);
  });

  test("its options table is the CLI's option table, row for row", () => {
    // Cells compared trimmed: Prettier pads the columns.
    const rows = (text: string) =>
      text
        .split("\n")
        .filter((line) => line.startsWith("|"))
        .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/^-+$/, "---")));
    const lines = readme.slice(readme.indexOf("| Option ")).split("\n");
    const table = lines
      .slice(
        0,
        lines.findIndex((line) => !line.startsWith("|")),
      )
      .join("\n");
    expect(rows(table)).toEqual(rows(optionsTableMarkdown()));
    // Every row has its four cells: a `|` inside a cell (such as `<on|off>`) is escaped.
    expect(rows(table).filter((cells) => cells.length !== 6)).toEqual([]);
  });
});

test("every npm script is documented, and every documented npm script exists", () => {
  const scripts = Object.keys(
    (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: object }).scripts,
  );
  const documented = new Set([...docs.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]));
  const undocumented = scripts.filter((s) => !["test", "start"].includes(s) && !documented.has(s));
  expect(undocumented).toEqual([]);
  expect([...documented].filter((s) => !scripts.includes(s))).toEqual([]);
});

describe("the status table (docs/API.md)", () => {
  const rows = [
    ...section("docs/API.md", "## Status codes and headers").matchAll(
      /^\| (\d{3}|[45]XX)\s+\| `([A-Z_]+)`/gm,
    ),
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

test("the variables table (docs/DEPLOY.md) is exactly the stack's variables", () => {
  const documented = [...section("docs/DEPLOY.md", "## Terraform variables").matchAll(/^\| `([a-z_]+)`/gm)]
    .map((m) => m[1])
    .sort();
  expect(documented).toEqual(Object.keys(stack.json.variable as object).sort());
});

test("the outputs list (docs/DEPLOY.md) is exactly the stack's outputs", () => {
  const listed = [
    ...section("docs/DEPLOY.md", "## Outputs (`cdktf output`)").matchAll(/`([a-z][a-z0-9_]+)`/g),
  ].map((m) => m[1]);
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
  const readVariables = new Set(
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
  const undocumented = [...readVariables].filter(
    (name) => !notForUsers(name) && !docs.includes(`\`${name}\``),
  );
  expect(undocumented).toEqual([]);
});
