import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { addressOf, ifCreated } from "./counted";
import type { Grant } from "../../lambdas/platform/contracts";
import type { ResourceHandles } from "../../lambdas/platform/resources";

export type Statement = DataAwsIamPolicyDocumentStatement;

/**
 * The only wildcard resources in the system: these AWS actions cannot be scoped to a resource.
 * The IAM policy test allows exactly these and nothing else.
 */
export const XRAY_ACTIONS = [
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
];

/** CloudWatch Logs vended-log delivery, which Step Functions uses for execution logs. */
export const LOG_DELIVERY_ACTIONS = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
];

/** Lambda's network interfaces for a function in a VPC (AWSLambdaVPCAccessExecutionRole's EC2 part). */
export const VPC_ENI_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
] as const;

/** What CodeDeploy reads to roll a release back: DescribeAlarms has no resource-level permissions. */
export const ALARM_READ_ACTIONS = ["cloudwatch:DescribeAlarms"] as const;

/**
 * The workflow's count of unexpected failures: PutMetricData has no resource-level permissions; the
 * statement holds it to the order system's namespace with the `cloudwatch:namespace` condition key.
 */
export const METRIC_WRITE_ACTIONS = ["cloudwatch:PutMetricData"] as const;

export const UNSCOPABLE_ACTIONS: readonly string[] = [
  ...XRAY_ACTIONS,
  ...LOG_DELIVERY_ACTIONS,
  ...VPC_ENI_ACTIONS,
  ...ALARM_READ_ACTIONS,
  ...METRIC_WRITE_ACTIONS,
];

export const XRAY_STATEMENT: Statement = {
  sid: "XRayTracing",
  actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
  // X-Ray trace segments have no resource ARN; AWS allows only "*".
  resources: ["*"],
};

/** Resource-policy statement refusing any request that does not use TLS. */
export function denyInsecureTransport(service: "s3" | "sqs", resources: string[]): Statement {
  return {
    sid: "DenyInsecureTransport",
    effect: "Deny",
    actions: [`${service}:*`],
    principals: [{ type: "*", identifiers: ["*"] }],
    resources,
    condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
  };
}

export function allow(sid: string, actions: string[], resources: string[]): Statement {
  return { sid, effect: "Allow", actions, resources };
}

/** One Allow statement per grant of a function contract, on the named resource's ARN. */
export function grantStatements(grants: readonly Grant[], resources: ResourceHandles): Statement[] {
  return grants.map((g) => allow(g.sid, [...g.actions], [resources[g.resource].arn]));
}

export interface ServiceRoleProps {
  readonly name: string;
  readonly servicePrincipal: string;
  readonly statements: Statement[];
  /** Confused-deputy guard on the trust policy (aws:SourceAccount). */
  readonly sourceAccount?: string;
  /** 0 or 1 (a Terraform expression): the role exists only with what needs it. */
  readonly count?: number;
  /** Other statements in place of `statements` when a Terraform condition holds (a setting's other value). */
  readonly variant?: { readonly when: unknown; readonly statements: Statement[] };
}

/** An IAM role for one AWS service principal with one inline policy: least privilege, per component. */
export class ServiceRole extends Construct {
  readonly role: IamRole;
  /** The role's ARN ("" when a counted role was not created). */
  readonly arn: string;
  /** The inline policy (absent for a role with no statements): depend on it, not only on the role. */
  readonly policy?: IamRolePolicy;
  /** The policy's statements (absent for a role with no statements). */
  readonly permissions?: DataAwsIamPolicyDocument;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, "Trust", {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: [props.servicePrincipal] }],
          condition: props.sourceAccount
            ? [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.sourceAccount] }]
            : undefined,
        },
      ],
    });
    this.role = new IamRole(this, "Role", {
      count: props.count,
      name: props.name,
      assumeRolePolicy: trust.json,
    });
    this.arn = props.count === undefined ? this.role.arn : ifCreated(addressOf(this.role), "arn");
    if (props.statements.length === 0) return;
    const permissions = new DataAwsIamPolicyDocument(this, "Permissions", {
      count: props.count,
      statement: props.statements,
    });
    this.permissions = permissions;
    const json =
      props.count === undefined ? permissions.json : ifCreated(addressOf(permissions, "data"), "json");
    this.policy = new IamRolePolicy(this, "Policy", {
      count: props.count,
      name: `${props.name}-policy`,
      role: props.count === undefined ? this.role.id : ifCreated(addressOf(this.role), "id"),
      policy: props.variant ? this.variantPolicy(props.variant, json, props.count) : json,
    });
  }

  /** The variant's policy document, chosen over `json` when its condition holds. */
  private variantPolicy(variant: NonNullable<ServiceRoleProps["variant"]>, json: string, count?: number) {
    if (count !== undefined) throw new Error("A counted ServiceRole cannot have a variant policy.");
    const other = new DataAwsIamPolicyDocument(this, "VariantPermissions", { statement: variant.statements });
    return Token.asString(Fn.conditional(variant.when, other.json, json));
  }
}
