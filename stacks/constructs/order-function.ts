import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, Op, Token, type IResolvable, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import {
  BUNDLE_ROOT,
  environmentFor,
  LAMBDA_HANDLER,
  type FunctionSpec,
} from "../../lambdas/platform/contracts";
import { type ResourceHandles } from "../../lambdas/platform/resources";
import { observabilityEnvironment, type Settings } from "../../lambdas/platform/config";
import { allow, grantStatements, ServiceRole, VPC_ENI_ACTIONS, XRAY_STATEMENT } from "./policy";

export const LAMBDA_RUNTIME = "nodejs22.x";
export const LAMBDA_ARCHITECTURE = "arm64";
/** The alias every trigger invokes: never $LATEST, so what runs is a published version. */
export const LIVE_ALIAS = "live";

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
  /** vpc_mode: with anything but `none`, the function runs in these subnets and groups. */
  readonly network: FunctionNetworkAttachment;
}

export interface FunctionNetworkAttachment {
  /** True when the functions run in a VPC (a Terraform expression). */
  readonly inVpc: IResolvable;
  readonly subnetIds: string;
  readonly securityGroupIds: string;
}

/**
 * What Lambda does with a function's role in a VPC: create, describe and delete its network
 * interfaces. EC2 accepts no narrower resource for these than "*" (policy.ts: VPC_ENI_ACTIONS).
 */
const VPC_ACCESS_STATEMENT = allow("ManageFunctionNetworkInterfaces", [...VPC_ENI_ACTIONS], ["*"]);

/**
 * One Lambda function with everything it owns: its bundle zipped by the archive provider and
 * uploaded to the code bucket, its log group (created first, with retention) and its own role.
 * Its environment and its permissions come from its contract (lambdas/platform/contracts.ts).
 */
export class OrderFunction extends Construct {
  readonly function: LambdaFunction;
  /** `live`: the published version every trigger invokes (its ARN, invoke ARN and name). */
  readonly alias: LambdaAlias;
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
    this.vpcAccess(props);

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
      // Each change of code or configuration publishes a version; the alias moves to it.
      publish: true,
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
    this.alias = this.liveAlias(spec);
    // A block that exists only in a VPC: a dynamic block of zero or one.
    this.function.addOverride("dynamic.vpc_config", {
      for_each: Fn.conditional(props.network.inVpc, [1], []),
      content: { subnet_ids: props.network.subnetIds, security_group_ids: props.network.securityGroupIds },
    });
  }

  /** `live`, on the version the first deploy published; `npm run release` moves it after that. */
  private liveAlias(spec: FunctionSpec): LambdaAlias {
    const alias = new LambdaAlias(this, "LiveAlias", {
      name: LIVE_ALIAS,
      description: `${spec.id}: the version its triggers invoke`,
      functionName: this.function.functionName,
      functionVersion: this.function.version,
      // CodeDeploy moves the alias to a new version: Terraform must not move it back.
      lifecycle: { ignoreChanges: ["function_version", "routing_config"] },
    });
    alias.overrideLogicalId(`${spec.id}LiveAlias`);
    return alias;
  }

  /** The network-interface permissions, with vpc_mode other than none only. */
  private vpcAccess(props: OrderFunctionProps): void {
    const name = `${props.spec.id}_VpcAccess`;
    const count = Token.asNumber(Fn.conditional(props.network.inVpc, 1, 0));
    const document = new DataAwsIamPolicyDocument(this, "VpcAccess", {
      count,
      statement: [VPC_ACCESS_STATEMENT],
    });
    document.overrideLogicalId(name);
    new IamRolePolicy(this, "VpcAccessPolicy", {
      count,
      name: `${this.functionName}-vpc-access`,
      role: this.role.role.id,
      policy: `\${data.aws_iam_policy_document.${name}[0].json}`,
    }).overrideLogicalId(`${name}_Policy`);
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
