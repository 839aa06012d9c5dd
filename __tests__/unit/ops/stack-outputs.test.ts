/** How the operator tools read a stack's outputs from the file `cdktf deploy --outputs-file` writes. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { outputsFromFile, requireOutput } from "../../../scripts/ops/stack-outputs";

const dir = mkdtempSync(join(tmpdir(), "outputs-"));
const file = join(dir, "cdktf-outputs.json");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  file,
  JSON.stringify({
    "order-system-dev": {
      api_url: "https://abc.execute-api.us-east-1.amazonaws.com/prod",
      user_pool_id: "p",
    },
    "order-system-prod": { api_url: "https://xyz.execute-api.us-east-1.amazonaws.com/prod" },
  }),
);

test("reads one stack's outputs, as strings", () => {
  const outputs = outputsFromFile(file, "order-system-dev");
  expect(requireOutput(outputs, "api_url")).toBe("https://abc.execute-api.us-east-1.amazonaws.com/prod");
});

test("a stack the file does not hold is named, with the ones it does", () => {
  expect(() => outputsFromFile(file, "order-system-staging")).toThrow(
    `${file} has no outputs of order-system-staging (it has: order-system-dev, order-system-prod).`,
  );
});

test("a missing output says to deploy this version of the stack", () => {
  const outputs = outputsFromFile(file, "order-system-prod");
  expect(() => requireOutput(outputs, "operator_client_id")).toThrow(
    "The stack has no output operator_client_id: deploy this version of the stack first.",
  );
});
