import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn, Op, TerraformCount, Token } from "cdktf";
import { Construct } from "constructs";
import { ifCreated } from "./counted";
import { allow, ServiceRole } from "./policy";

export const VPC_MODES = ["none", "create", "existing"] as const;

/**
 * The AWS APIs the handlers call through an SDK client, and how a function in a VPC without an
 * internet route reaches each. The tests derive the list from the bundles and compare.
 */
export const SDK_CLIENT_ENDPOINTS: Readonly<
  Record<
    string,
    { readonly service: string; readonly type: "Gateway" | "Interface" } | { readonly unreachable: string }
  >
> = {
  "client-dynamodb": { service: "dynamodb", type: "Gateway" },
  "client-sfn": { service: "states", type: "Interface" },
  "client-sns": { service: "sns", type: "Interface" },
  "client-sesv2": { service: "email", type: "Interface" },
  // CustomerData deletes an erased customer's account (AdminDeleteUser).
  "client-cognito-identity-provider": { service: "cognito-idp", type: "Interface" },
  // OrderEvents puts the order events on the order event bus (PutEvents).
  "client-eventbridge": { service: "events", type: "Interface" },
  // Stripe itself is on the internet, which vpc_mode = create has no route to (the stack refuses it).
  "client-secrets-manager": { unreachable: "payment_provider = stripe, which vpc_mode = create refuses" },
};

export const VPC_CIDR = "10.40.0.0/16";

export interface FunctionNetworkProps {
  readonly namePrefix: string;
  readonly region: string;
  /** vpc_mode: `create` builds everything below; `existing` uses the given subnets and groups. */
  readonly vpcMode: string;
  readonly logRetentionDays: number;
}

/** A counted resource's attribute: a list, empty when it was not created. */
const all = (address: string, attribute: string) => `${address}[*].${attribute}`;

/**
 * The functions' network with vpc_mode = create: a VPC with private subnets in two Availability
 * Zones and no route to the internet (no NAT), flow logs, a gateway endpoint for DynamoDB and
 * interface endpoints (private DNS) for the other APIs the handlers call. The functions' security
 * group has no ingress and reaches only the endpoints on 443; the endpoints' group admits 443 from
 * the functions' group only. With `existing`, none of this is created.
 */
export class FunctionNetwork extends Construct {
  /** What every function's vpc_config names (Terraform expressions). */
  readonly subnetIds: string;
  readonly securityGroupIds: string;

  constructor(scope: Construct, id: string, props: FunctionNetworkProps) {
    super(scope, id);
    const create = Op.eq(props.vpcMode, "create");
    const count = Token.asNumber(Fn.conditional(create, 1, 0));
    const vpc = new Vpc(this, "Vpc", {
      count,
      cidrBlock: VPC_CIDR,
      // Interface endpoints' private DNS names need both.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: `${props.namePrefix}-functions` },
    });
    vpc.overrideLogicalId("FunctionVpc");
    const vpcId = ifCreated("aws_vpc.FunctionVpc", "id");
    const perZone = TerraformCount.of(Token.asNumber(Fn.conditional(create, 2, 0)));
    const subnets = new Subnet(this, "Subnets", {
      count: perZone,
      vpcId,
      cidrBlock: Fn.cidrsubnet(VPC_CIDR, 8, perZone.index),
      availabilityZone: Fn.element([`${props.region}a`, `${props.region}b`], perZone.index),
      tags: { Name: `${props.namePrefix}-functions-private` },
    });
    subnets.overrideLogicalId("FunctionSubnet");
    // The VPC's local route only: nothing here reaches the internet.
    const routes = new RouteTable(this, "Routes", { count, vpcId });
    routes.overrideLogicalId("FunctionRouteTable");
    new RouteTableAssociation(this, "RouteAssociations", {
      count: Token.asNumber(Fn.conditional(create, 2, 0)),
      subnetId: "${aws_subnet.FunctionSubnet[count.index].id}",
      routeTableId: ifCreated("aws_route_table.FunctionRouteTable", "id"),
    });
    this.flowLogs(props, count, vpcId);
    this.endpoints(props, count, vpcId);

    this.subnetIds = `\${var.vpc_mode == "create" ? ${all("aws_subnet.FunctionSubnet", "id")} : var.vpc_subnet_ids}`;
    this.securityGroupIds = `\${var.vpc_mode == "create" ? ${all("aws_security_group.FunctionsSecurityGroup", "id")} : var.vpc_security_group_ids}`;
  }

  /** Every accepted and rejected flow, to a log group with the stack's retention. */
  private flowLogs(props: FunctionNetworkProps, count: number, vpcId: string): void {
    const group = new CloudwatchLogGroup(this, "FlowLogs", {
      count,
      name: `/aws/vpc/${props.namePrefix}-functions`,
      retentionInDays: props.logRetentionDays,
    });
    group.overrideLogicalId("FunctionVpcFlowLogGroup");
    const groupArn = ifCreated("aws_cloudwatch_log_group.FunctionVpcFlowLogGroup", "arn");
    const role = new ServiceRole(new Construct(this, "VpcFlowLogs"), "Role", {
      count,
      name: `${props.namePrefix}-vpc-flow-logs`,
      servicePrincipal: "vpc-flow-logs.amazonaws.com",
      statements: [
        allow(
          "WriteFlowLogs",
          ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
          [groupArn, `${groupArn}:*`],
        ),
      ],
    });
    new FlowLog(this, "FlowLog", {
      count,
      vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: groupArn,
      iamRoleArn: role.arn,
    });
  }

  /** DynamoDB through a gateway endpoint; every other API through an interface endpoint. */
  private endpoints(props: FunctionNetworkProps, count: number, vpcId: string): void {
    const functionsGroup = new SecurityGroup(this, "FunctionsSecurityGroup", {
      count,
      name: `${props.namePrefix}-functions`,
      description: "Order system functions: no ingress; HTTPS to the VPC endpoints only",
      vpcId,
    });
    functionsGroup.overrideLogicalId("FunctionsSecurityGroup");
    const endpointsGroup = new SecurityGroup(this, "EndpointsSecurityGroup", {
      count,
      name: `${props.namePrefix}-endpoints`,
      description: "VPC interface endpoints: HTTPS from the order system functions only",
      vpcId,
    });
    endpointsGroup.overrideLogicalId("EndpointsSecurityGroup");
    const functionsId = ifCreated("aws_security_group.FunctionsSecurityGroup", "id");
    const endpointsId = ifCreated("aws_security_group.EndpointsSecurityGroup", "id");
    const https = { ipProtocol: "tcp", fromPort: 443, toPort: 443 };
    new VpcSecurityGroupEgressRule(this, "FunctionsToEndpoints", {
      count,
      securityGroupId: functionsId,
      referencedSecurityGroupId: endpointsId,
      description: "HTTPS to the interface endpoints",
      ...https,
    });
    new VpcSecurityGroupIngressRule(this, "EndpointsFromFunctions", {
      count,
      securityGroupId: endpointsId,
      referencedSecurityGroupId: functionsId,
      description: "HTTPS from the order system functions",
      ...https,
    });
    for (const [client, endpoint] of Object.entries(SDK_CLIENT_ENDPOINTS)) {
      if (!("service" in endpoint)) continue;
      const logicalId = `${endpoint.service[0].toUpperCase()}${endpoint.service.slice(1)}Endpoint`;
      const serviceName = `com.amazonaws.${props.region}.${endpoint.service}`;
      if (endpoint.type === "Gateway") {
        new VpcEndpoint(this, logicalId, {
          count,
          vpcId,
          serviceName,
          vpcEndpointType: "Gateway",
          routeTableIds: Token.asList(`\${${all("aws_route_table.FunctionRouteTable", "id")}}`),
          tags: { Name: `${props.namePrefix}-${endpoint.service}`, Client: client },
        }).overrideLogicalId(logicalId);
        // The gateway endpoint is reached through its prefix list, not a security group.
        new VpcSecurityGroupEgressRule(this, "FunctionsToDynamoDb", {
          count,
          securityGroupId: functionsId,
          prefixListId: ifCreated(`aws_vpc_endpoint.${logicalId}`, "prefix_list_id"),
          description: "HTTPS to DynamoDB through its gateway endpoint",
          ...https,
        });
        continue;
      }
      new VpcEndpoint(this, logicalId, {
        count,
        vpcId,
        serviceName,
        vpcEndpointType: "Interface",
        subnetIds: Token.asList(`\${${all("aws_subnet.FunctionSubnet", "id")}}`),
        securityGroupIds: [endpointsId],
        privateDnsEnabled: true,
        tags: { Name: `${props.namePrefix}-${endpoint.service}`, Client: client },
      }).overrideLogicalId(logicalId);
    }
  }
}
