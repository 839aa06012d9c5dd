import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { BackendConfig } from "./config";
import { SecureBucket } from "./constructs/secure-bucket";
import { enforceSecurityBaseline } from "./policy-checks";

/**
 * Bootstrap: the S3 bucket and DynamoDB lock table that hold every environment's Terraform state.
 * Deployed once, with local state (it cannot store its state in the bucket it creates).
 */
export class StateBackendStack extends TerraformStack {
  constructor(scope: Construct, id: string, backend: BackendConfig) {
    super(scope, id);
    enforceSecurityBaseline(this);
    new AwsProvider(this, "aws", {
      region: backend.region,
      defaultTags: [
        { tags: { Application: "ecommerce-order-system", Purpose: "terraform-state", ManagedBy: "cdktf" } },
      ],
    });
    const bucket = new SecureBucket(this, "StateBucket", { bucketName: backend.bucket, forceDestroy: false })
      .bucket;
    bucket.addOverride("lifecycle.prevent_destroy", true);
    const lockTable = new DynamodbTable(this, "LockTable", {
      name: backend.lockTable,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
    });
    new TerraformOutput(this, "state_bucket", { value: bucket.bucket });
    new TerraformOutput(this, "lock_table", { value: lockTable.name });
  }
}
