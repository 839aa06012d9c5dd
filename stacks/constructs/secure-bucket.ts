import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { denyInsecureTransport } from "./policy";

export interface SecureBucketProps {
  readonly bucketName: string;
  readonly forceDestroy: boolean;
  /** Extra bucket-policy statements (the TLS-only deny is always there). */
  readonly extraStatements?: (bucketArn: string) => DataAwsIamPolicyDocumentStatement[];
  readonly policyId?: string;
}

/** An S3 bucket with the baseline: AES256 at rest, versioned, no public access, TLS-only, owner-enforced. */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  /** Objects written before versioning is on get no version id: writers depend on this. */
  readonly versioning: S3BucketVersioningA;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "Bucket", {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy,
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    this.versioning = new S3BucketVersioningA(this, "Versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "Ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const policy = new DataAwsIamPolicyDocument(this, "PolicyDocument", {
      statement: [
        denyInsecureTransport("s3", [this.bucket.arn, `${this.bucket.arn}/*`]),
        ...(props.extraStatements?.(this.bucket.arn) ?? []),
      ],
    });
    const bucketPolicy = new S3BucketPolicy(this, props.policyId ?? "Policy", {
      bucket: this.bucket.id,
      policy: policy.json,
      // A bucket policy written before the public-access block races with it.
      dependsOn: [publicAccess],
    });
    bucketPolicy.overrideLogicalId(props.policyId ?? "BucketPolicy");
  }
}
