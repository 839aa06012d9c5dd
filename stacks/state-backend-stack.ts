import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { REQUIRED_TERRAFORM_VERSION, type BackendConfig } from "./config";
import { SecureBucket } from "./constructs/secure-bucket";
import { enforceSecurityBaseline } from "./policy-checks";

/** Where the bootstrap stack keeps its own state: the project root, as a path relative to its stack folder. */
export const BOOTSTRAP_STATE_FILE = "terraform.state-backend.tfstate";

/**
 * Bootstrap: the S3 bucket that holds every environment's Terraform state (locked with S3-native
 * lock files). Deployed once, with local state in the project root (it cannot store its state in
 * the bucket it creates before the bucket exists; README, Remote state).
 */
export class StateBackendStack extends TerraformStack {
  constructor(scope: Construct, id: string, backend: BackendConfig) {
    super(scope, id);
    enforceSecurityBaseline(this);
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
    // cdktf.out/stacks/state-backend/ → the project root: relative, so the JSON is portable.
    new LocalBackend(this, { path: `../../../${BOOTSTRAP_STATE_FILE}` });
    new AwsProvider(this, "aws", {
      region: backend.region,
      defaultTags: [
        { tags: { Application: "ecommerce-order-system", Purpose: "terraform-state", ManagedBy: "cdktf" } },
      ],
    });
    const bucket = new SecureBucket(this, "StateBucket", { bucketName: backend.bucket, forceDestroy: false })
      .bucket;
    bucket.addOverride("lifecycle.prevent_destroy", true);
    new TerraformOutput(this, "state_bucket", { value: bucket.bucket });
    if (backend.lockTable) this.legacyLockTable(backend.lockTable);
  }

  /** The DynamoDB lock table of stacks created before S3-native locking, kept while they move off it. */
  private legacyLockTable(name: string): void {
    const lockTable = new DynamodbTable(this, "LockTable", {
      name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
    });
    new TerraformOutput(this, "lock_table", { value: lockTable.name });
  }
}
