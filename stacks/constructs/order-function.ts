import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, Op, Token, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import {
  BUNDLE_ROOT,
  environmentFor,
  LAMBDA_HANDLER,
  observabilityEnvironment,
  type FunctionSpec,
  type ResourceHandles,
  type Settings,
} from "../../lambdas/contracts";
import { allow, grantStatements, ServiceRole, XRAY_STATEMENT } from "./policy";

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
  /** The deployment's resources: the contract's configuration and grants are resolved against them. */
  readonly resources: ResourceHandles;
  readonly settings: Settings;
}

/**
 * One Lambda function with everything it owns: its bundle zipped by the archive provider and
 * uploaded to the code bucket, its log group (created first, with retention) and its own role.
 * Its environment and its permissions come from its contract (lambdas/contracts.ts).
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
        ...grantStatements(
          spec.access.filter((g) => !g.when),
          props.resources,
        ),
      ],
    });
    this.conditionalGrants(props);

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
          ...observabilityEnvironment(spec.folder, { logLevel: "INFO", metrics: true }),
          ...environmentFor(spec, props.resources, props.settings),
        },
      },
      dependsOn: [this.logGroup],
    });
    this.function.overrideLogicalId(`${spec.id}Lambda`);
  }

  /**
   * Grants that hold only for one value of a setting (their resource exists only then): one more
   * inline policy per condition, created only when the setting has that value.
   */
  private conditionalGrants(props: OrderFunctionProps): void {
    const conditional = props.spec.access.filter((g) => g.when);
    const conditions = [...new Set(conditional.map((g) => `${g.when!.setting}=${g.when!.equals}`))];
    for (const condition of conditions) {
      const grants = conditional.filter((g) => `${g.when!.setting}=${g.when!.equals}` === condition);
      const { setting, equals } = grants[0].when!;
      const count = Token.asNumber(Fn.conditional(Op.eq(props.settings[setting], equals), 1, 0));
      const name = `${props.spec.id}_When_${setting}_${equals}`;
      const document = new DataAwsIamPolicyDocument(this, `When_${setting}_${equals}`, {
        count,
        statement: grantStatements(grants, props.resources),
      });
      document.overrideLogicalId(name);
      new IamRolePolicy(this, `When_${setting}_${equals}_Policy`, {
        count,
        name: `${this.functionName}-when-${equals}`,
        role: this.role.role.id,
        policy: `\${data.aws_iam_policy_document.${name}[0].json}`,
      }).overrideLogicalId(`${name}_Policy`);
    }
  }
}
