/**
 * Structure rules a reviewer would otherwise check by hand: each environment variable is named in one
 * source file (the contracts), functions stay short, and every handler folder has a contract.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { CONFIG, FUNCTIONS } from "../../../lambdas/contracts";

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
  "environment variable %s is named in exactly one source file (lambdas/contracts.ts)",
  (variable) => {
    const homes = [...text]
      .filter(([, source]) => new RegExp(`\\b${variable}\\b`).test(source))
      .map(([f]) => f);
    expect(homes).toEqual(["lambdas/contracts.ts"]);
  },
);

interface FunctionLength {
  readonly name: string;
  readonly lines: number;
}

function functionLengths(file: string, source: string): FunctionLength[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
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
  const all = [...text].flatMap(([file, source]) => functionLengths(file, source));

  test("no function outside tests is longer than 150 lines", () => {
    expect(all.filter((f) => f.lines > 150)).toEqual([]);
  });

  test("at most four functions are longer than 80 lines", () => {
    expect(all.filter((f) => f.lines > 80).length).toBeLessThanOrEqual(4);
  });

  test("startLocalOrderSystem, which composes the local services, is at most 60 lines", () => {
    const composer = all.filter((f) => f.name.endsWith(" startLocalOrderSystem"));
    expect(composer).toHaveLength(1);
    expect(composer[0].lines).toBeLessThanOrEqual(60);
  });
});

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
    expect(handler).toContain(`functionConfig("${spec.id}")`);
    expect(handler).not.toMatch(/process\.env\.[A-Z_]+/);
  }
});
