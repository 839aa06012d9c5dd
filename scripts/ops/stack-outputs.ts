/**
 * A deployed stack's outputs, as the operator tools read them: from a file `cdktf deploy
 * --outputs-file` wrote, or from `cdktf output <stack> --outputs-file` run here.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export type StackOutputs = Readonly<Record<string, string>>;

/** The stack's outputs from a cdktf outputs file ({"<stack>": {"<output>": value}}). */
export function outputsFromFile(path: string, stack: string): StackOutputs {
  const all = JSON.parse(readFileSync(path, "utf8")) as Record<string, Record<string, unknown>>;
  const outputs = all[stack];
  if (!outputs) {
    throw new Error(`${path} has no outputs of ${stack} (it has: ${Object.keys(all).join(", ") || "none"}).`);
  }
  return Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, String(value)]));
}

/** Runs `cdktf output` for the stack (it reads the stack's state: AWS credentials needed). */
export function outputsOfStack(stack: string, projectRoot: string): StackOutputs {
  const dir = mkdtempSync(join(tmpdir(), "stack-outputs-"));
  const file = join(dir, "outputs.json");
  try {
    const result = spawnSync(
      "npx",
      ["cdktf", "output", stack, "--outputs-file", file, "--outputs-file-include-sensitive-outputs=false"],
      { cwd: projectRoot, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } },
    );
    if (result.status !== 0) {
      throw new Error(`cdktf output ${stack} failed:\n${(result.stderr || result.stdout).trim()}`);
    }
    return outputsFromFile(file, stack);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The stack's outputs from the given outputs file, else through `cdktf output` in this project. */
export function stackOutputs(stack: string, outputsFile: string | undefined): StackOutputs {
  return outputsFile
    ? outputsFromFile(outputsFile, stack)
    : outputsOfStack(stack, resolve(__dirname, "../.."));
}

/** One named output, or a readable error naming what is missing. */
export function requireOutput(outputs: StackOutputs, name: string): string {
  const value = outputs[name];
  if (!value) throw new Error(`The stack has no output ${name}: deploy this version of the stack first.`);
  return value;
}
