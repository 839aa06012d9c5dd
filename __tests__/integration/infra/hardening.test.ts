/** The hardening switches in the synthesized stack: AWS WAF (enable_waf) and the functions' VPC (vpc_mode). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_ROOT, FUNCTIONS } from "../../../lambdas/platform/contracts";
import { ORDER_LIMITS } from "../../../lambdas/orders/order-request";
import { SDK_CLIENT_ENDPOINTS } from "../../../stacks/constructs/function-network";
import { dataOf, resourceNamed, resourcesOf, synthOrderSystem } from "../../support/synth";

const dev = synthOrderSystem("dev");
const prod = synthOrderSystem("prod");
const WAF_ON = "${var.enable_waf ? 1 : 0}";
const CREATE = '${(var.vpc_mode == "create") ? 1 : 0}';

describe("AWS WAF (enable_waf)", () => {
  test("on in prod, off in dev by default; a Terraform variable overrides either", () => {
    const variable = (s: typeof dev) => (s.json.variable as Record<string, { default?: unknown }>).enable_waf;
    expect(variable(prod).default).toBe(true);
    expect(variable(dev).default).toBe(false);
  });

  test("a regional web ACL, allow by default, associated with the API stage", () => {
    const acl = resourceNamed(prod, "aws_wafv2_web_acl", "ApiWebAcl");
    expect(acl).toMatchObject({ count: WAF_ON, scope: "REGIONAL", default_action: { allow: {} } });
    expect(resourceNamed(prod, "aws_wafv2_web_acl_association", "ApiWebAclAssociation")).toMatchObject({
      count: WAF_ON,
      resource_arn: "${aws_api_gateway_stage.ApiGatewayStage.arn}",
      web_acl_arn: '${join("", aws_wafv2_web_acl.ApiWebAcl[*].arn)}',
    });
  });

  type Rule = {
    name: string;
    priority: number;
    action?: { block: { custom_response: Record<string, unknown> } };
    override_action?: { dynamic: Record<string, { for_each: string }> };
    statement: Record<string, Record<string, unknown>>;
    visibility_config: Record<string, unknown>;
  };
  const rules = () => resourceNamed(prod, "aws_wafv2_web_acl", "ApiWebAcl").rule as Rule[];

  test("the three managed groups, each blocking unless waf_count_mode_rule_groups lists it", () => {
    const managed = rules().filter((r) => r.statement.managed_rule_group_statement);
    expect(managed.map((r) => r.name)).toEqual([
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
      "AWSManagedRulesAmazonIpReputationList",
    ]);
    for (const rule of managed) {
      expect(rule.override_action?.dynamic.count.for_each).toBe(
        `\${contains(var.waf_count_mode_rule_groups, "${rule.name}") ? [1] : []}`,
      );
      expect(rule.override_action?.dynamic.none.for_each).toBe(
        `\${contains(var.waf_count_mode_rule_groups, "${rule.name}") ? [] : [1]}`,
      );
    }
    // The core set's 8 KB body rule only counts: the API takes 16 KB, which RequestBodySize enforces.
    expect(managed[0].statement.managed_rule_group_statement.rule_action_override).toEqual([
      { name: "SizeRestrictions_BODY", action_to_use: { count: {} } },
    ]);
  });

  test("order-placing requests are rate limited per IP, answered with the project's 429 body", () => {
    const rule = rules().find((r) => r.name === "OrderPlacementRateLimit")!;
    expect(rule.statement.rate_based_statement).toMatchObject({
      limit: "${var.waf_rate_limit}",
      aggregate_key_type: "IP",
      evaluation_window_sec: 300,
    });
    expect(JSON.stringify(rule.statement)).toContain('"search_string":"POST"');
    expect(rule.action?.block.custom_response).toEqual({
      response_code: 429,
      custom_response_body_key: "rate-limited",
    });
    const bodies = resourceNamed(prod, "aws_wafv2_web_acl", "ApiWebAcl").custom_response_body as {
      key: string;
      content: string;
    }[];
    expect(JSON.parse(bodies.find((b) => b.key === "rate-limited")!.content)).toEqual({
      error: { code: "RATE_LIMITED", message: expect.any(String), details: [] },
    });
  });

  test("bodies over the API's own limit are refused with 413", () => {
    const rule = rules().find((r) => r.name === "RequestBodySize")!;
    expect(rule.statement.size_constraint_statement).toMatchObject({
      comparison_operator: "GT",
      size: ORDER_LIMITS.maxBodyBytes,
      field_to_match: { body: { oversize_handling: "MATCH" } },
    });
    expect(rule.action?.block.custom_response.response_code).toBe(413);
  });

  test("every rule publishes metrics and sampled requests", () => {
    for (const rule of rules()) {
      expect(rule.visibility_config).toEqual({
        cloudwatch_metrics_enabled: true,
        metric_name: rule.name,
        sampled_requests_enabled: true,
      });
    }
  });

  test("logs to aws-waf-logs-<prefix> with the stack's retention, the authorization header redacted", () => {
    expect(resourceNamed(prod, "aws_cloudwatch_log_group", "WafLogGroup")).toMatchObject({
      count: WAF_ON,
      name: "aws-waf-logs-ecommerce-prod",
      retention_in_days: "${var.log_retention_days}",
    });
    expect(resourceNamed(prod, "aws_wafv2_web_acl_logging_configuration", "ApiWebAclLogging")).toMatchObject({
      count: WAF_ON,
      redacted_fields: [{ single_header: { name: "authorization" } }],
    });
  });

  test("a surge of blocked requests pages CriticalAlertsTopic", () => {
    expect(resourceNamed(prod, "aws_cloudwatch_metric_alarm", "WafBlockedRequestsSurgeAlarm")).toMatchObject({
      count: WAF_ON,
      namespace: "AWS/WAFV2",
      metric_name: "BlockedRequests",
      dimensions: { WebACL: "ecommerce-prod-api", Rule: "ALL" },
      alarm_actions: ["${aws_sns_topic.CriticalAlertsTopic.arn}"],
    });
  });
});

describe("functions in a VPC (vpc_mode)", () => {
  test("none by default; validated values, and existing needs subnets and groups", () => {
    const variables = dev.json.variable as Record<
      string,
      { default?: unknown; validation?: { error_message: string }[] }
    >;
    expect(variables.vpc_mode.default).toBe("none");
    expect(variables.vpc_mode.validation?.map((v) => v.error_message)).toEqual([
      "vpc_mode must be one of none, create, existing.",
      "vpc_mode = create has no internet route, and Stripe is on the internet: use vpc_mode = existing with a NAT gateway, or none.",
    ]);
    expect(variables.vpc_subnet_ids.validation?.[0].error_message).toBe(
      "vpc_mode = existing needs vpc_subnet_ids (subnet-…).",
    );
  });

  test("every function runs in the VPC's subnets and groups unless vpc_mode is none", () => {
    for (const spec of FUNCTIONS) {
      const fn = resourceNamed(dev, "aws_lambda_function", `${spec.id}Lambda`);
      expect((fn.dynamic as Record<string, unknown>).vpc_config).toEqual({
        for_each: '${(var.vpc_mode != "none") ? [1] : []}',
        content: {
          subnet_ids: '${var.vpc_mode == "create" ? aws_subnet.FunctionSubnet[*].id : var.vpc_subnet_ids}',
          security_group_ids:
            '${var.vpc_mode == "create" ? aws_security_group.FunctionsSecurityGroup[*].id : var.vpc_security_group_ids}',
        },
      });
    }
  });

  test("create: private subnets in two AZs, no route out, flow logs with retention", () => {
    expect(resourceNamed(dev, "aws_vpc", "FunctionVpc")).toMatchObject({
      count: CREATE,
      enable_dns_hostnames: true,
    });
    expect(resourceNamed(dev, "aws_subnet", "FunctionSubnet")).toMatchObject({
      count: '${(var.vpc_mode == "create") ? 2 : 0}',
      availability_zone:
        '${element(["${data.aws_region.Region.name}a", "${data.aws_region.Region.name}b"], count.index)}',
    });
    // No internet or NAT gateway, no route but the VPC's own.
    for (const type of ["aws_internet_gateway", "aws_nat_gateway", "aws_route", "aws_eip"]) {
      expect(resourcesOf(dev, type)).toEqual({});
    }
    expect(resourceNamed(dev, "aws_route_table", "FunctionRouteTable").route).toBeUndefined();
    expect(resourceNamed(dev, "aws_cloudwatch_log_group", "FunctionVpcFlowLogGroup")).toMatchObject({
      retention_in_days: "${var.log_retention_days}",
    });
    expect(Object.values(resourcesOf(dev, "aws_flow_log"))[0]).toMatchObject({
      count: CREATE,
      traffic_type: "ALL",
    });
  });

  test("security groups: the functions have no ingress and reach the endpoints on 443; nothing is open to the internet", () => {
    for (const name of ["FunctionsSecurityGroup", "EndpointsSecurityGroup"]) {
      const group = resourceNamed(dev, "aws_security_group", name);
      expect(group.ingress).toBeUndefined();
      expect(group.egress).toBeUndefined();
    }
    const ingress = Object.values(resourcesOf(dev, "aws_vpc_security_group_ingress_rule"));
    expect(ingress).toEqual([
      expect.objectContaining({
        security_group_id: '${join("", aws_security_group.EndpointsSecurityGroup[*].id)}',
        referenced_security_group_id: '${join("", aws_security_group.FunctionsSecurityGroup[*].id)}',
        from_port: 443,
        to_port: 443,
      }),
    ]);
    const egress = Object.values(resourcesOf(dev, "aws_vpc_security_group_egress_rule"));
    expect(egress).toHaveLength(2);
    for (const rule of egress) {
      expect(rule).toMatchObject({
        security_group_id: '${join("", aws_security_group.FunctionsSecurityGroup[*].id)}',
        from_port: 443,
        to_port: 443,
      });
      expect(rule.cidr_ipv4).toBeUndefined();
    }
    expect(dev.text).not.toMatch(/0\.0\.0\.0\/0|::\/0/);
  });

  test("the endpoints are exactly the AWS APIs the handlers' bundles call through an SDK client", () => {
    // Derived from the bundles the integration setup just built: every @aws-sdk/client-* they hold.
    // Lazily loaded packages are bundled beside index.js (node_modules/<name>/index.js): read those too.
    const clients = new Set<string>();
    const maps = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? maps(join(dir, entry.name))
          : entry.name === "index.js.map"
            ? [join(dir, entry.name)]
            : [],
      );
    for (const map of maps(BUNDLE_ROOT)) {
      const sources = (JSON.parse(readFileSync(map, "utf8")) as { sources: string[] }).sources;
      for (const source of sources) {
        const client = /@aws-sdk\/(client-[a-z0-9-]+)\//.exec(source)?.[1];
        if (client) clients.add(client);
      }
    }
    expect([...clients].sort()).toEqual(Object.keys(SDK_CLIENT_ENDPOINTS).sort());
    const endpoints = Object.entries(resourcesOf(dev, "aws_vpc_endpoint")).map(([, e]) => ({
      service: String(e.service_name).split(".").pop(),
      type: e.vpc_endpoint_type,
      privateDns: e.private_dns_enabled,
    }));
    expect(endpoints.sort((a, b) => String(a.service).localeCompare(String(b.service)))).toEqual([
      { service: "cognito-idp", type: "Interface", privateDns: true },
      { service: "dynamodb", type: "Gateway", privateDns: undefined },
      { service: "email", type: "Interface", privateDns: true },
      { service: "events", type: "Interface", privateDns: true },
      { service: "sns", type: "Interface", privateDns: true },
      { service: "states", type: "Interface", privateDns: true },
    ]);
  });

  test("the only wildcard grant a VPC adds is the network-interface statement, counted on vpc_mode", () => {
    expect(dataOf(dev, "aws_iam_policy_document").ProcessPayment_VpcAccess).toMatchObject({
      count: '${(var.vpc_mode != "none") ? 1 : 0}',
    });
  });
});
