import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Wafv2WebAcl, type Wafv2WebAclRule } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Fn, Token, type IResolvable } from "cdktf";
import { Construct } from "constructs";
import { ifCreated } from "./counted";
import { ORDER_LIMITS } from "../../lambdas/orders/order-request";

/** The AWS managed rule groups in front of the API, in evaluation order. */
export const WAF_MANAGED_RULE_GROUPS = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesAmazonIpReputationList",
] as const;

/** The rules' names, as the dashboard and the metrics know them. */
export const WAF_RULES = {
  rateLimit: "OrderPlacementRateLimit",
  bodySize: "RequestBodySize",
} as const;

export interface ApiFirewallProps {
  readonly namePrefix: string;
  /** enable_waf: nothing here exists unless it is true. */
  readonly enabled: boolean | IResolvable;
  readonly stageArn: string;
  readonly logRetentionDays: number;
  /** waf_rate_limit: order-placing requests per client IP per 5 minutes. */
  readonly rateLimit: number;
  /** The variable listing managed groups that only count (for a rollout): `var.…`. */
  readonly countModeGroupsVariable: string;
}

const errorBody = (code: string, message: string) =>
  JSON.stringify({ error: { code, message, details: [] } });

const visibility = (metricName: string) => ({
  cloudwatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/**
 * AWS WAF in front of the API stage (enable_waf): AWS managed rules, a per-IP rate limit on
 * order-placing requests answered with the project's 429 body, a body-size rule matching the API's
 * own limit, and logs (authorization header redacted) to `aws-waf-logs-<prefix>`.
 */
export class ApiFirewall extends Construct {
  readonly webAclName: string;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const count = Token.asNumber(Fn.conditional(props.enabled, 1, 0));
    this.webAclName = `${props.namePrefix}-api`;
    const acl = new Wafv2WebAcl(this, "WebAcl", {
      count,
      name: this.webAclName,
      description: "In front of the order API stage",
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      customResponseBody: [
        {
          key: "rate-limited",
          contentType: "APPLICATION_JSON",
          content: errorBody(
            "RATE_LIMITED",
            "Too many orders from this address. Try again in a few minutes.",
          ),
        },
        {
          key: "body-too-large",
          contentType: "APPLICATION_JSON",
          content: errorBody(
            "BODY_TOO_LARGE",
            `The request body must be at most ${ORDER_LIMITS.maxBodyBytes} bytes.`,
          ),
        },
      ],
      rule: [this.rateLimitRule(props.rateLimit), this.bodySizeRule(), ...this.managedRules()],
      visibilityConfig: visibility(`${props.namePrefix}-api`),
    });
    acl.overrideLogicalId("ApiWebAcl");
    // Each managed group blocks, unless waf_count_mode_rule_groups lists it (it then only counts).
    WAF_MANAGED_RULE_GROUPS.forEach((group, i) => {
      const counted = `contains(${props.countModeGroupsVariable}, "${group}")`;
      acl.addOverride(`rule.${i + 2}.override_action`, {
        dynamic: {
          count: { for_each: `\${${counted} ? [1] : []}`, content: {} },
          none: { for_each: `\${${counted} ? [] : [1]}`, content: {} },
        },
      });
    });
    const aclArn = ifCreated("aws_wafv2_web_acl.ApiWebAcl", "arn");

    new Wafv2WebAclAssociation(this, "StageAssociation", {
      count,
      resourceArn: props.stageArn,
      webAclArn: aclArn,
    }).overrideLogicalId("ApiWebAclAssociation");
    // WAF logs only to log groups whose name starts with aws-waf-logs-.
    const logs = new CloudwatchLogGroup(this, "Logs", {
      count,
      name: `aws-waf-logs-${props.namePrefix}`,
      retentionInDays: props.logRetentionDays,
    });
    logs.overrideLogicalId("WafLogGroup");
    new Wafv2WebAclLoggingConfiguration(this, "Logging", {
      count,
      resourceArn: aclArn,
      logDestinationConfigs: [ifCreated("aws_cloudwatch_log_group.WafLogGroup", "arn")],
      // Customers' ID tokens never reach the logs.
      redactedFields: [{ singleHeader: { name: "authorization" } }],
    }).overrideLogicalId("ApiWebAclLogging");
  }

  /** Order-placing requests (POST, PUT) per client IP per 5 minutes; over the limit: 429. */
  private rateLimitRule(limit: number): Wafv2WebAclRule {
    const method = (verb: string) => ({
      byte_match_statement: {
        field_to_match: { method: {} },
        positional_constraint: "EXACTLY",
        search_string: verb,
        text_transformation: [{ priority: 0, type: "NONE" }],
      },
    });
    return {
      name: WAF_RULES.rateLimit,
      priority: 0,
      action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: "rate-limited" } } },
      statement: {
        rate_based_statement: {
          limit,
          aggregate_key_type: "IP",
          evaluation_window_sec: 300,
          scope_down_statement: { or_statement: { statement: [method("POST"), method("PUT")] } },
        },
      },
      visibilityConfig: visibility(WAF_RULES.rateLimit),
    };
  }

  /** Bodies over the API's own limit (ORDER_LIMITS.maxBodyBytes), and any WAF cannot inspect: 413. */
  private bodySizeRule(): Wafv2WebAclRule {
    return {
      name: WAF_RULES.bodySize,
      priority: 1,
      action: { block: { customResponse: { responseCode: 413, customResponseBodyKey: "body-too-large" } } },
      statement: {
        size_constraint_statement: {
          comparison_operator: "GT",
          size: ORDER_LIMITS.maxBodyBytes,
          field_to_match: { body: { oversize_handling: "MATCH" } },
          text_transformation: [{ priority: 0, type: "NONE" }],
        },
      },
      visibilityConfig: visibility(WAF_RULES.bodySize),
    };
  }

  private managedRules(): Wafv2WebAclRule[] {
    return WAF_MANAGED_RULE_GROUPS.map((name, i) => ({
      name,
      priority: 10 * (i + 1),
      statement: {
        managed_rule_group_statement: {
          name,
          vendor_name: "AWS",
          // The core set blocks bodies over 8 KB; the API accepts 16 KB, which RequestBodySize enforces.
          ...(name === "AWSManagedRulesCommonRuleSet"
            ? { rule_action_override: [{ name: "SizeRestrictions_BODY", action_to_use: { count: {} } }] }
            : {}),
        },
      },
      visibilityConfig: visibility(name),
    }));
  }
}
