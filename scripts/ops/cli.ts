/** What the operator commands (`npm run smoke`, `npm run redrive`) share: options, usage errors, exit codes. */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A bad option: the command prints it with its usage and exits 2. */
export class UsageError extends Error {}

/** Strict parseArgs; an unknown or malformed option becomes a UsageError. */
export function parseOptions<const O extends NonNullable<ParseArgsConfig["options"]>>(options: O) {
  try {
    return parseArgs({ options, strict: true }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The command's target: a deployed stack, or an API (or local runtime) URL; never both. */
export function stackOrUrl(values: { readonly stack?: string; readonly url?: string }): void {
  if (Boolean(values.stack) === Boolean(values.url)) throw new UsageError("Give either --stack or --url.");
}

/** Runs a command to its exit code: 2 with the usage for a UsageError, 1 with the message for any other failure. */
export function runCommand(name: string, usage: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n${usage}\n`);
        process.exit(2);
      }
      process.stderr.write(`${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
