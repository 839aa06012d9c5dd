/**
 * Structure rules a reviewer would otherwise check by hand: each environment variable is named in one
 * source file (lambdas/platform/config.ts), functions stay short, and every handler folder has a contract.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { FUNCTIONS } from "../../../lambdas/platform/contracts";
import * as CONFIG_MODULE from "../../../lambdas/platform/config";
import { CONFIG, FUNCTION_CONFIG } from "../../../lambdas/platform/config";
import { CLI_OPTIONS } from "../../../local/options";

const root = resolve(__dirname, "../../..");
const SOURCE_DIRS = ["lambdas", "stacks", "local", "scripts"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}
const files = [join(root, "main.ts"), ...SOURCE_DIRS.flatMap((d) => sourceFiles(join(root, d)))];
const text = new Map(files.map((f) => [relative(root, f), readFileSync(f, "utf8")]));

test.each(Object.values(CONFIG).map((c) => [c.env]))(
  "environment variable %s is named in exactly one source file (lambdas/platform/config.ts)",
  (variable) => {
    const homes = [...text]
      .filter(([, source]) => new RegExp(`\\b${variable}\\b`).test(source))
      .map(([f]) => f);
    expect(homes).toEqual(["lambdas/platform/config.ts"]);
  },
);

interface FunctionLength {
  readonly name: string;
  readonly lines: number;
}

/** Each source file parsed once: the function lengths and the strings below read the same tree. */
const parsed = new Map(
  [...text].map(([file, source]) => [file, ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true)]),
);

function functionLengths(file: string): FunctionLength[] {
  const sf = parsed.get(file)!;
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name =
        node.name?.getText(sf) ?? (ts.isConstructorDeclaration(node) ? "constructor" : "(anonymous)");
      found.push({ name: `${file}:${start + 1} ${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe("function length", () => {
  const all = [...text.keys()].flatMap((file) => functionLengths(file));

  test("no function outside tests is longer than 100 lines", () => {
    expect(all.filter((f) => f.lines > 100)).toEqual([]);
  });

  test("at most two functions are longer than 80 lines", () => {
    expect(all.filter((f) => f.lines > 80).map((f) => `${f.name} (${f.lines})`).length).toBeLessThanOrEqual(
      2,
    );
  });

  test("startLocalOrderSystem, which composes the local services, is at most 20 lines", () => {
    const composer = all.filter((f) => f.name.endsWith(" startLocalOrderSystem"));
    expect(composer).toHaveLength(1);
    expect(composer[0].lines).toBeLessThanOrEqual(20);
  });
});

describe("the local runtime", () => {
  const localFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return localFiles(path);
      return /\.(ts|js|css|html)$/.test(name) ? [path] : [];
    });

  test("no source file under local/ is longer than 400 lines", () => {
    const long = localFiles(join(root, "local"))
      .map((f) => ({ file: relative(root, f), lines: readFileSync(f, "utf8").split("\n").length }))
      .filter((f) => f.lines > 400);
    expect(long).toEqual([]);
  });

  test("the composer is a list of services, well under 200 lines", () => {
    expect(text.get("local/order-system.ts")!.split("\n").length).toBeLessThan(200);
  });

  test("every emulated AWS service has one folder with its start (service.ts)", () => {
    for (const folder of [
      "dynamodb",
      "sqs",
      "sfn",
      "sns",
      "ses",
      "cognito",
      "eventbridge",
      "pipes",
      "scheduler",
      "secrets",
      "lambda",
      "apigateway",
    ])
      expect(text.has(`local/${folder}/service.ts`)).toBe(true);
  });
});

/** Every string written in a source file's code (literals and template parts, not comments). */
function stringsIn(file: string): string[] {
  const sf = parsed.get(file)!;
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) found.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const strings = new Map([...text.keys()].map((file) => [file, stringsIn(file)]));

test.each(CLI_OPTIONS.filter((o) => o.flag).map((o) => [o.flag!]))(
  "the option %s is written in exactly one source file (local/options.ts)",
  (flag) => {
    const pattern = new RegExp(`${flag}(?![\\w-])`);
    const homes = [...text]
      .filter(([file]) => strings.get(file)!.some((s) => pattern.test(s)))
      .map(([f]) => f);
    expect(homes).toEqual(["local/options.ts"]);
  },
);

test("every folder with a handler.ts has a contract, and every contract a handler.ts", () => {
  const handlerFolders = readdirSync(join(root, "lambdas")).filter((name) => {
    try {
      return statSync(join(root, "lambdas", name, "handler.ts")).isFile();
    } catch {
      return false;
    }
  });
  expect(handlerFolders.sort()).toEqual(FUNCTIONS.map((f) => f.folder).sort());
});

test("handlers read configuration only through their contract (no process.env, no requireEnv)", () => {
  for (const spec of FUNCTIONS) {
    const handler = text.get(`lambdas/${spec.folder}/handler.ts`)!;
    // With its own list, by name: the constant FUNCTION_CONFIG holds for it (a bundle keeps only that one).
    const list = new RegExp(`functionConfig\\("${spec.id}", (\\w+)`).exec(handler)?.[1];
    expect(list && (CONFIG_MODULE as Record<string, unknown>)[list]).toBe(FUNCTION_CONFIG[spec.id]);
    expect(handler).not.toMatch(/process\.env\.[A-Z_]+/);
  }
});
