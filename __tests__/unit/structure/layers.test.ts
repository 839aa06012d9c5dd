/**
 * The layout of lambdas/, held by a test: every folder is a business domain, the platform, or one
 * function's handler folder; dependencies point one way (handlers → domains → platform), a domain
 * uses another only along the edges docs/ARCHITECTURE.md explains, and no files import each other
 * in a circle of any length (type-only imports included).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { FUNCTIONS } from "../../../lambdas/platform/contracts";

const root = resolve(__dirname, "../../..");
const lambdas = join(root, "lambdas");

/** The business domains and what each may use besides the platform (docs/ARCHITECTURE.md says why). */
const DOMAIN_USES: Readonly<Record<string, readonly string[]>> = {
  orders: [],
  catalog: ["orders", "alerts"],
  customers: ["orders"],
  workflow: ["orders"],
  alerts: [],
  email: ["orders", "customers"],
  payments: ["orders", "workflow", "alerts"],
  returns: ["orders", "payments", "catalog"],
  events: ["orders", "catalog"],
};
const PLATFORM = "platform";
const HANDLER_FOLDERS = new Set(FUNCTIONS.map((f) => f.folder));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every relative import of a file (static, type-only, re-exports and import()), resolved to a file. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specs = [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g)];
  return specs.map(([, spec]) => {
    const target = resolve(dirname(file), spec);
    for (const candidate of [`${target}.ts`, target, join(target, "index.ts")]) {
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not this one
      }
    }
    throw new Error(`${relative(root, file)} imports ${spec}, which does not resolve`);
  });
}

const files = sourceFiles(lambdas);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(lambdas))]));
/** The top folder of a file under lambdas/: its domain, the platform, or its handler folder. */
const folderOf = (file: string) => relative(lambdas, file).split("/")[0];

test("every folder under lambdas/ is a domain, the platform, or a function's handler folder", () => {
  const folders = readdirSync(lambdas).filter((name) => statSync(join(lambdas, name)).isDirectory());
  const unknown = folders.filter((f) => f !== PLATFORM && !(f in DOMAIN_USES) && !HANDLER_FOLDERS.has(f));
  expect(unknown).toEqual([]);
  // Nothing lives loose at the top: each file has a room.
  expect(readdirSync(lambdas).filter((name) => name.endsWith(".ts"))).toEqual([]);
});

test("each domain has its ports in one short file of its own, and its adapters beside them", () => {
  for (const domain of Object.keys(DOMAIN_USES)) {
    const ports = join(lambdas, domain, "ports.ts");
    expect(readFileSync(ports, "utf8").split("\n").length).toBeLessThan(250);
    const adapters = files.filter((f) => relative(lambdas, f).startsWith(`${domain}/adapters/`));
    expect(adapters.length).toBeGreaterThan(0);
  }
});

test("dependencies point one way: handlers → domains → platform, domains only along declared edges", () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    for (const target of targets) {
      const to = folderOf(target);
      if (to === from) continue;
      const allowed =
        from === PLATFORM
          ? false
          : HANDLER_FOLDERS.has(from)
            ? !HANDLER_FOLDERS.has(to)
            : to === PLATFORM || (DOMAIN_USES[from] ?? []).includes(to);
      if (!allowed) wrong.push(`${relative(root, file)} → ${relative(root, target)}`);
    }
  }
  expect(wrong).toEqual([]);
});

test("lambdas/ imports nothing of the stacks, the local runtime, scripts or tests", () => {
  const outside = [...graph.keys()].flatMap((file) =>
    importsOf(file)
      .filter((t) => !t.startsWith(lambdas))
      .map((t) => `${relative(root, file)} → ${relative(root, t)}`),
  );
  expect(outside).toEqual([]);
});

/** Strongly connected components (Tarjan): any with two files, or a file importing itself, is a circle. */
function circles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(component);
    }
  };
  for (const node of edges.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

test("no files under lambdas/ import each other in a circle, type-only imports included", () => {
  expect(circles(graph).map((c) => c.map((f) => relative(root, f)).sort())).toEqual([]);
});

test("the circle finder finds a circle of three files, and a file importing itself", () => {
  const edges = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a"]],
    ["d", ["d"]],
    ["e", ["a"]],
  ]);
  expect(circles(edges).map((c) => c.sort())).toEqual([["a", "b", "c"], ["d"]]);
});
