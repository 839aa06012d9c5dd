import { Testing } from "cdktf";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVIRONMENTS, loadBackendConfig, loadEnvironments } from "../../../stacks/config";
import { OrderSystemStack } from "../../../stacks/order-system-stack";
import { StateBackendStack } from "../../../stacks/state-backend-stack";
import { synthOrderSystem } from "../../support/synth";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";

const committed = loadBackendConfig(process.cwd(), {});

test("backend.json is committed and complete: no lock table (S3-native locking)", () => {
  expect(committed).toEqual({
    bucket: expect.any(String),
    region: expect.any(String),
    keyPrefix: expect.any(String),
  });
});

test("TF_STATE_* environment variables override the committed backend settings", () => {
  const config = loadBackendConfig(process.cwd(), {
    TF_STATE_BUCKET: "my-state",
    TF_STATE_REGION: "eu-west-1",
  });
  expect(config).toEqual({ bucket: "my-state", region: "eu-west-1", keyPrefix: committed.keyPrefix });
});

test("a missing backend setting is a clear error", () => {
  const dir = mkdtempSync(join(tmpdir(), "backend-"));
  writeFileSync(join(dir, "backend.json"), JSON.stringify({ bucket: "b", region: "r" }));
  expect(() => loadBackendConfig(dir, {})).toThrow(
    'Backend setting "keyPrefix" is missing: set it in backend.json or TF_STATE_KEY_PREFIX.',
  );
});

test("every stack requires Terraform 1.10 or later (S3-native locking)", () => {
  const dev = synthOrderSystem("dev", committed);
  expect((dev.json.terraform as { required_version: string }).required_version).toBe(">= 1.10");
  const bootstrap = JSON.parse(
    Testing.synth(new StateBackendStack(Testing.app(), "state-backend", committed)),
  );
  expect(bootstrap.terraform.required_version).toBe(">= 1.10");
});

test("each environment has its own encrypted, locked S3 state", () => {
  const dev = synthOrderSystem("dev", committed);
  const backend = (dev.json.terraform as { backend: { s3: Record<string, unknown> } }).backend.s3;
  expect(backend).toEqual({
    bucket: committed.bucket,
    key: `${committed.keyPrefix}/dev/terraform.tfstate`,
    region: committed.region,
    encrypt: true,
    use_lockfile: true,
  });
  const prod = synthOrderSystem("prod", committed);
  expect((prod.json.terraform as { backend: { s3: { key: string } } }).backend.s3.key).toBe(
    `${committed.keyPrefix}/prod/terraform.tfstate`,
  );
  expect(new Set(ENVIRONMENTS.map((e) => e.namePrefix)).size).toBe(ENVIRONMENTS.length);
});

test("the bootstrap stack creates the state bucket, kept on destroy, and keeps its own state in the project root by a relative path", () => {
  const text = Testing.synth(new StateBackendStack(Testing.app(), "state-backend", committed));
  expect(text).toHaveResourceWithProperties(S3Bucket, {
    bucket: committed.bucket,
    lifecycle: { prevent_destroy: true },
  });
  expect(text).not.toHaveResource(DynamodbTable);
  const json = JSON.parse(text) as { terraform: { backend: { local: { path: string } } } };
  expect(json.terraform.backend.local.path).toBe("../../../terraform.state-backend.tfstate");
});

test("TF_STATE_LOCK_TABLE keeps the DynamoDB lock table of a stack created with it, for the release that moves off it", () => {
  const legacy = loadBackendConfig(process.cwd(), { TF_STATE_LOCK_TABLE: "old-locks" });
  expect(legacy.lockTable).toBe("old-locks");
  const backend = (synthOrderSystemWith(legacy).terraform as { backend: { s3: Record<string, unknown> } })
    .backend.s3;
  expect(backend).toMatchObject({ dynamodb_table: "old-locks", use_lockfile: true });
  const text = Testing.synth(new StateBackendStack(Testing.app(), "state-backend", legacy));
  expect(text).toHaveResourceWithProperties(DynamodbTable, {
    name: "old-locks",
    hash_key: "LockID",
    point_in_time_recovery: { enabled: true },
  });
});

describe("the region", () => {
  test("us-east-1 unless ORDER_SYSTEM_<NAME>_REGION moves an environment", () => {
    expect(loadEnvironments({}).map((e) => e.region)).toEqual(["us-east-1", "us-east-1"]);
    const moved = loadEnvironments({ ORDER_SYSTEM_PROD_REGION: "eu-central-1" });
    expect(moved.map((e) => [e.name, e.region])).toEqual([
      ["dev", "us-east-1"],
      ["prod", "eu-central-1"],
    ]);
  });

  test.each(["eu-centrel-1", "aws-global", "EU-CENTRAL-1", "frankfurt"])(
    "a name that is not an AWS region (%s) is refused, naming the variable",
    (region) => {
      expect(() => loadEnvironments({ ORDER_SYSTEM_DEV_REGION: region })).toThrow(
        `ORDER_SYSTEM_DEV_REGION="${region}" is not an AWS region (for example us-east-1, eu-central-1, ap-southeast-2).`,
      );
    },
  );

  test("a stack synthesized for eu-central-1 names no other region", () => {
    const environment = loadEnvironments({ ORDER_SYSTEM_DEV_REGION: "eu-central-1" })[0];
    const text = Testing.synth(new OrderSystemStack(Testing.app(), "order-system-dev", { environment }));
    expect(text).not.toContain("us-east-1");
    expect(JSON.parse(text).provider.aws[0].region).toBe("eu-central-1");
  });
});

function synthOrderSystemWith(backend: ReturnType<typeof loadBackendConfig>) {
  const stack = new OrderSystemStack(Testing.app(), "order-system-dev", {
    environment: ENVIRONMENTS[0],
    backend,
  });
  return JSON.parse(Testing.synth(stack)) as Record<string, unknown>;
}
