import { Testing } from "cdktf";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVIRONMENTS, loadBackendConfig } from "../../../stacks/config";
import { StateBackendStack } from "../../../stacks/state-backend-stack";
import { synthOrderSystem } from "../../support/synth";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";

const committed = loadBackendConfig(process.cwd(), {});

test("backend.json is committed and complete", () => {
  expect(committed).toEqual({
    bucket: expect.any(String),
    region: expect.any(String),
    lockTable: expect.any(String),
    keyPrefix: expect.any(String),
  });
});

test("TF_STATE_* environment variables override the committed backend settings", () => {
  const config = loadBackendConfig(process.cwd(), {
    TF_STATE_BUCKET: "my-state",
    TF_STATE_REGION: "eu-west-1",
  });
  expect(config).toMatchObject({ bucket: "my-state", region: "eu-west-1", lockTable: committed.lockTable });
});

test("a missing backend setting is a clear error", () => {
  const dir = mkdtempSync(join(tmpdir(), "backend-"));
  writeFileSync(join(dir, "backend.json"), JSON.stringify({ bucket: "b", region: "r", keyPrefix: "k" }));
  expect(() => loadBackendConfig(dir, {})).toThrow(
    'Backend setting "lockTable" is missing: set it in backend.json or TF_STATE_LOCK_TABLE.',
  );
});

test("each environment has its own encrypted, locked S3 state", () => {
  const dev = synthOrderSystem("dev", committed);
  const backend = (dev.json.terraform as { backend: { s3: Record<string, unknown> } }).backend.s3;
  expect(backend).toEqual({
    bucket: committed.bucket,
    key: `${committed.keyPrefix}/dev/terraform.tfstate`,
    region: committed.region,
    encrypt: true,
    dynamodb_table: committed.lockTable,
    use_lockfile: true,
  });
  const prod = synthOrderSystem("prod", committed);
  expect((prod.json.terraform as { backend: { s3: { key: string } } }).backend.s3.key).toBe(
    `${committed.keyPrefix}/prod/terraform.tfstate`,
  );
  expect(new Set(ENVIRONMENTS.map((e) => e.namePrefix)).size).toBe(ENVIRONMENTS.length);
});

test("the bootstrap stack creates the state bucket and the lock table, kept on destroy", () => {
  const text = Testing.synth(new StateBackendStack(Testing.app(), "state-backend", committed));
  expect(text).toHaveResourceWithProperties(S3Bucket, {
    bucket: committed.bucket,
    lifecycle: { prevent_destroy: true },
  });
  expect(text).toHaveResourceWithProperties(DynamodbTable, {
    name: committed.lockTable,
    hash_key: "LockID",
    point_in_time_recovery: { enabled: true },
  });
});
