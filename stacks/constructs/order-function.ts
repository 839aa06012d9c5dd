import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { BUNDLE_ROOT, LAMBDA_HANDLER, type FunctionSpec } from "../../lambdas/functions";
import { allow, ServiceRole, XRAY_STATEMENT, type Statement } from "./policy";

export const LAMBDA_RUNTIME = "nodejs22.x";
export const LAMBDA_ARCHITECTURE = "arm64";

export interface OrderFunctionProps {
  readonly spec: FunctionSpec;
  readonly namePrefix: string;
  readonly codeBucket: S3Bucket;
  /** The bucket's versioning: the upload must come after it, so the function can pin the version. */
  readonly codeBucketVersioning: ITerraformDependable;
  /**
   * Path from the synthesized stack folder (Terraform's path.module) to the project root, so the
   * archive paths in the JSON are relative and portable. cdktf writes cdktf.out/stacks/<stack>/.
   */
  readonly projectRootFromModule: string;
  readonly logRetentionDays: number;
  readonly environment: Record<string, string>;
  /** What this function may do beyond writing its own logs and traces. */
  readonly statements: Statement[];
}

/**
 * One Lambda function with everything it owns: its bundle zipped by the archive provider and
 * uploaded to the code bucket, its log group (created first, with retention) and its own role.
 */
export class OrderFunction extends Construct {
  readonly function: LambdaFunction;
  readonly logGroup: CloudwatchLogGroup;
  readonly role: ServiceRole;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: OrderFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.functionName = `${props.namePrefix}-${spec.folder}`;

    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: `/aws/lambda/${this.functionName}`,
      retentionInDays: props.logRetentionDays,
    });
    this.logGroup.overrideLogicalId(`${spec.id}LambdaLogGroup`);

    const archive = new DataArchiveFile(this, "Archive", {
      type: "zip",
      sourceDir: `\${path.module}/${props.projectRootFromModule}/${BUNDLE_ROOT}/${spec.folder}`,
      outputPath: `\${path.module}/${props.projectRootFromModule}/dist/archives/${spec.folder}.zip`,
    });
    const code = new S3Object(this, "Code", {
      bucket: props.codeBucket.id,
      key: `lambdas/${spec.folder}.zip`,
      source: archive.outputPath,
      // Re-upload exactly when the bundle changes; an unchanged build plans no change.
      sourceHash: archive.outputBase64Sha256,
      serverSideEncryption: "AES256",
      dependsOn: [props.codeBucketVersioning],
    });

    this.role = new ServiceRole(this, "Role", {
      name: `${this.functionName}-role`,
      servicePrincipal: "lambda.amazonaws.com",
      statements: [
        allow("WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [`${this.logGroup.arn}:*`]),
        XRAY_STATEMENT,
        ...props.statements,
      ],
    });

    this.function = new LambdaFunction(this, "Function", {
      functionName: this.functionName,
      description: spec.description,
      role: this.role.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: [LAMBDA_ARCHITECTURE],
      handler: LAMBDA_HANDLER,
      s3Bucket: code.bucket,
      s3Key: code.key,
      s3ObjectVersion: code.versionId,
      sourceCodeHash: archive.outputBase64Sha256,
      memorySize: spec.memoryMb,
      timeout: spec.timeoutSeconds,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: {
        variables: {
          NODE_OPTIONS: "--enable-source-maps",
          POWERTOOLS_SERVICE_NAME: spec.folder,
          POWERTOOLS_METRICS_NAMESPACE: "EcommerceOrders",
          POWERTOOLS_LOG_LEVEL: "INFO",
          ...props.environment,
        },
      },
      dependsOn: [this.logGroup],
    });
    this.function.overrideLogicalId(`${spec.id}Lambda`);
  }
}
