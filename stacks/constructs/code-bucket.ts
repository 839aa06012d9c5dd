import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import type { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { SecureBucket } from "./secure-bucket";

export interface CodeBucketProps {
  readonly bucketName: string;
  readonly accountId: string;
  readonly forceDestroy: boolean;
}

/** The Lambda code bucket: bundles are uploaded here and the functions deploy from it. */
export class CodeBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioningA;

  constructor(scope: Construct, id: string, props: CodeBucketProps) {
    super(scope, id);
    const secure = new SecureBucket(this, "LambdaCodeBucket", {
      bucketName: props.bucketName,
      forceDestroy: props.forceDestroy,
      policyId: "LambdaCodeBucketPolicy",
      extraStatements: (arn) => [
        {
          sid: "LambdaServiceReadsCode",
          effect: "Allow",
          actions: ["s3:GetObject", "s3:GetObjectVersion"],
          principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
          resources: [`${arn}/lambdas/*`],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
        },
      ],
    });
    this.bucket = secure.bucket;
    this.versioning = secure.versioning;
  }
}
