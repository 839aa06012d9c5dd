/**
 * The local Lambda host: a bundle and the first-use files it requires later (scripts/bundle.ts
 * writes them beside index.js) run as one execution environment, with the function's own
 * credentials, so local IAM attributes their AWS calls to its role.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundlePath, loadBundle } from "../../local/lambda/host";

const root = mkdtempSync(join(tmpdir(), "lambda-host-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const indexFile = bundlePath(root, "PaymentEvents");
const folder = join(indexFile, "..");
mkdirSync(join(folder, "node_modules", "first-use-package"), { recursive: true });
// What each file sees: its credentials, and a counter shared by every require within one load.
writeFileSync(
  join(folder, "own-module.js"),
  `let loads = 0; exports.seen = () => ({ key: process.env.AWS_ACCESS_KEY_ID, loads: ++loads });`,
);
writeFileSync(
  join(folder, "node_modules", "first-use-package", "index.js"),
  `exports.key = () => process.env.AWS_ACCESS_KEY_ID; exports.hostname = typeof require("node:os").hostname;`,
);
writeFileSync(
  indexFile,
  `exports.handler = async () => {
     process.stdout.write("invoked\\n");
     const own = require("./own-module");
     const pkg = require("first-use-package");
     return { index: process.env.AWS_ACCESS_KEY_ID, own: own.seen(), package: pkg.key(), builtin: pkg.hostname };
   };
   exports.createHandler = () => exports.handler;`,
);

test("first-use files see the function's own environment, and load once per execution environment", async () => {
  const logged: string[] = [];
  const environment = loadBundle(root, "PaymentEvents", (text) => logged.push(text), {
    AWS_ACCESS_KEY_ID: "PaymentEvents",
  });
  expect(await environment.handler({})).toEqual({
    index: "PaymentEvents",
    own: { key: "PaymentEvents", loads: 1 },
    package: "PaymentEvents",
    builtin: "function",
  });
  // The same module state on the next invocation, as a warm Lambda keeps it.
  expect(await environment.handler({})).toMatchObject({ own: { loads: 2 } });
  expect(logged).toEqual(["invoked\n", "invoked\n"]);

  // A second environment of the same function starts from fresh module state.
  const another = loadBundle(root, "PaymentEvents", undefined, { AWS_ACCESS_KEY_ID: "Other" });
  expect(await another.handler({})).toMatchObject({ own: { key: "Other", loads: 1 }, package: "Other" });
});
