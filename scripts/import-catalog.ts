/**
 * `npm run import-catalog`: creates the products of a file that are missing and renames and
 * reprices those that differ, through the API as a staff member; with --set-stock, brings each
 * existing product's stock to the file's with a `correction` adjustment of the difference. Usage:
 *   npm run import-catalog -- --file <products.csv|json> (--stack <stack> [--outputs-file <file>] | --url <api url>) --token <staff ID token> [--set-stock]
 * The token (or $CATALOG_ID_TOKEN) is a staff member's ID token (the user pool's `staff` group).
 * Every row is checked first: one bad row and nothing is written (exit 2, each problem with its
 * line). Run twice, the second run changes nothing and says so.
 */
import { basename } from "node:path";
import { applyImport, readImportFile } from "./ops/catalog-import";
import { parseOptions, runCommand, stackOrUrl, UsageError } from "./ops/cli";
import { requireOutput, stackOutputs } from "./ops/stack-outputs";

const USAGE =
  "Usage: npm run import-catalog -- --file <products.csv|json> (--stack <stack> [--outputs-file <file>] | --url <api url>) --token <staff ID token> [--set-stock]";

async function main(): Promise<number> {
  const values = parseOptions({
    file: { type: "string" },
    stack: { type: "string" },
    "outputs-file": { type: "string" },
    url: { type: "string" },
    token: { type: "string" },
    "set-stock": { type: "boolean" },
  });
  if (!values.file) throw new UsageError("Give --file <products.csv|json>.");
  stackOrUrl(values);
  const token = values.token ?? process.env.CATALOG_ID_TOKEN;
  if (!token) throw new UsageError("Give --token <staff ID token> (or set CATALOG_ID_TOKEN).");
  const file = readImportFile(values.file);
  if ("problems" in file) {
    process.stderr.write(`${values.file} is refused, nothing was changed:\n`);
    for (const problem of file.problems) process.stderr.write(`  ${problem}\n`);
    return 2;
  }
  const url = values.stack
    ? requireOutput(stackOutputs(values.stack, values["outputs-file"]), "api_url")
    : values.url!;
  process.stdout.write(`Importing ${file.rows.length} products from ${values.file} into ${url}\n`);
  const summary = await applyImport(file.rows, { url, token }, (line) => process.stdout.write(`${line}\n`), {
    setStock: values["set-stock"] === true,
    source: basename(values.file),
  });
  const { created, updated, adjusted, unchanged, failed } = summary;
  if (unchanged.length === file.rows.length) {
    process.stdout.write(`Nothing to change: all ${unchanged.length} products are as in the file.\n`);
  }
  process.stdout.write(
    `${created.length} created, ${updated.length} updated, ${adjusted.length} adjusted, ${unchanged.length} unchanged, ${failed.length} failed.\n`,
  );
  return failed.length > 0 ? 1 : 0;
}

runCommand("import-catalog", USAGE, main);
