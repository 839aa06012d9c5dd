/**
 * Security and operations baseline, checked on synthesized Terraform JSON: every finding names the
 * resource and the rule it breaks. Used by the test suite on every stack the app synthesizes.
 */
import type { TerraformStack } from "cdktf";
import { API_ROUTES } from "../lambdas/platform/routes";
import { UNSCOPABLE_ACTIONS } from "./constructs/policy";

export interface Finding {
  readonly rule: string;
  readonly resource: string;
  readonly message: string;
}

type Block = Record<string, unknown>;
export interface SynthesizedStack {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly variable?: Record<string, Block>;
}

/** A retention set as a number, or as a variable whose default is a positive number. */
function positiveNumber(stack: SynthesizedStack, value: unknown): boolean {
  if (typeof value === "number") return value > 0;
  const variable = typeof value === "string" ? /^\$\{var\.(\w+)\}$/.exec(value)?.[1] : undefined;
  const fallback = variable ? stack.variable?.[variable]?.default : undefined;
  return typeof fallback === "number" && fallback > 0;
}

const ref = (type: string, name: string) => `${type}.${name}`;
/** A reference to the resource (one instance of it too: `[each.key]`, `[0]`). */
const refersTo = (value: unknown, type: string, name: string) =>
  typeof value === "string" &&
  (value.includes(`\${${ref(type, name)}.`) || value.includes(`\${${ref(type, name)}[`));

function resources(stack: SynthesizedStack, type: string): [string, Block][] {
  return Object.entries(stack.resource?.[type] ?? {});
}

function policyDocuments(stack: SynthesizedStack): [string, Block][] {
  return Object.entries(stack.data?.aws_iam_policy_document ?? {});
}

interface PolicyStatement {
  sid?: string;
  effect?: string;
  actions?: string[];
  resources?: string[];
  condition?: { test: string; variable: string; values: string[] }[];
}

const statementsOf = (doc: Block) => (doc.statement ?? []) as PolicyStatement[];

/** Rule 1: S3 buckets are encrypted, public-access-blocked and TLS-only. */
function checkBuckets(stack: SynthesizedStack): Finding[] {
  const findings: Finding[] = [];
  for (const [name] of resources(stack, "aws_s3_bucket")) {
    const id = ref("aws_s3_bucket", name);
    const attached = (type: string) =>
      resources(stack, type).filter(([, r]) => refersTo(r.bucket, "aws_s3_bucket", name));
    const encryption = attached("aws_s3_bucket_server_side_encryption_configuration");
    const algorithms = encryption.flatMap(([, r]) =>
      ((r.rule ?? []) as Block[]).map(
        (rule) => (rule.apply_server_side_encryption_by_default as Block)?.sse_algorithm,
      ),
    );
    if (!algorithms.some((a) => a === "AES256" || a === "aws:kms" || a === "aws:kms:dsse")) {
      findings.push({
        rule: "s3-encryption",
        resource: id,
        message: `${id} has no default server-side encryption`,
      });
    }
    const block = attached("aws_s3_bucket_public_access_block").map(([, r]) => r);
    const fullyBlocked = block.some(
      (r) =>
        r.block_public_acls && r.block_public_policy && r.ignore_public_acls && r.restrict_public_buckets,
    );
    if (!fullyBlocked) {
      findings.push({
        rule: "s3-public-access",
        resource: id,
        message: `${id} does not block all public access`,
      });
    }
    const policies = attached("aws_s3_bucket_policy").map(([, r]) => String(r.policy));
    const tlsOnly = policyDocuments(stack).some(
      ([docName, doc]) =>
        policies.some((p) => p.includes(`data.aws_iam_policy_document.${docName}.json`)) &&
        statementsOf(doc).some(
          (s) =>
            s.effect === "Deny" &&
            (s.condition ?? []).some(
              (c) => c.variable === "aws:SecureTransport" && c.values.includes("false"),
            ),
        ),
    );
    if (!tlsOnly) {
      findings.push({
        rule: "s3-tls-only",
        resource: id,
        message: `${id} has no bucket policy denying non-TLS requests`,
      });
    }
  }
  return findings;
}

/** Rule 2: SQS queues are encrypted; every queue that is not a dead-letter queue has one. */
function checkQueues(stack: SynthesizedStack): Finding[] {
  const findings: Finding[] = [];
  const queues = resources(stack, "aws_sqs_queue");
  for (const [name, queue] of queues) {
    const id = ref("aws_sqs_queue", name);
    if (queue.sqs_managed_sse_enabled !== true && !queue.kms_master_key_id) {
      findings.push({ rule: "sqs-encryption", resource: id, message: `${id} is not encrypted at rest` });
    }
    // A dead-letter queue: of another queue, of an EventBridge target or pipe, or a Lambda (or stream
    // mapping) failure destination.
    const isDeadLetterTarget =
      queues.some(([, other]) => refersTo(other.redrive_policy, "aws_sqs_queue", name)) ||
      resources(stack, "aws_cloudwatch_event_target").some(([, t]) =>
        refersTo((t.dead_letter_config as Block | undefined)?.arn, "aws_sqs_queue", name),
      ) ||
      resources(stack, "aws_pipes_pipe").some(([, pipe]) =>
        refersTo(
          (
            ((pipe.source_parameters as Block | undefined)?.dynamodb_stream_parameters as Block | undefined)
              ?.dead_letter_config as Block | undefined
          )?.arn,
          "aws_sqs_queue",
          name,
        ),
      ) ||
      resources(stack, "aws_lambda_function_event_invoke_config").some(([, c]) =>
        refersTo(
          ((c.destination_config as Block | undefined)?.on_failure as Block | undefined)?.destination,
          "aws_sqs_queue",
          name,
        ),
      ) ||
      // A stream event source mapping's on-failure destination.
      resources(stack, "aws_lambda_event_source_mapping").some(([, m]) =>
        refersTo(
          ((m.destination_config as Block | undefined)?.on_failure as Block | undefined)?.destination_arn,
          "aws_sqs_queue",
          name,
        ),
      );
    if (!queue.redrive_policy && !isDeadLetterTarget) {
      findings.push({
        rule: "sqs-dead-letter",
        resource: id,
        message: `${id} has no dead-letter queue (redrive policy)`,
      });
    }
  }
  return findings;
}

/** Rule 3: each Lambda has its own role, active tracing and a log group with retention. */
function checkFunctions(stack: SynthesizedStack): Finding[] {
  const findings: Finding[] = [];
  const functions = resources(stack, "aws_lambda_function");
  const logGroups = resources(stack, "aws_cloudwatch_log_group");
  const roleUse = new Map<string, string[]>();
  for (const [name, fn] of functions) {
    const id = ref("aws_lambda_function", name);
    if ((fn.tracing_config as Block | undefined)?.mode !== "Active") {
      findings.push({
        rule: "lambda-tracing",
        resource: id,
        message: `${id} does not have active X-Ray tracing`,
      });
    }
    const logGroupName = (fn.logging_config as Block | undefined)?.log_group;
    const group = logGroups.find(
      ([groupName, g]) =>
        g.name === `/aws/lambda/${String(fn.function_name)}` ||
        (typeof logGroupName === "string" && refersTo(logGroupName, "aws_cloudwatch_log_group", groupName)),
    );
    if (!group || !positiveNumber(stack, group[1].retention_in_days)) {
      findings.push({
        rule: "lambda-log-retention",
        resource: id,
        message: `${id} has no log group with a retention period`,
      });
    }
    const role = String(fn.role);
    roleUse.set(role, [...(roleUse.get(role) ?? []), id]);
  }
  for (const [role, users] of roleUse) {
    if (users.length > 1) {
      for (const user of users) {
        findings.push({
          rule: "lambda-own-role",
          resource: user,
          message: `${user} shares its role ${role} with ${users.length - 1} other function(s)`,
        });
      }
    }
  }
  return findings;
}

/**
 * Rule 4: no wildcard actions (a "*" anywhere in the action) or resources in Allow statements, except
 * the documented actions AWS cannot scope (UNSCOPABLE_ACTIONS) and KMS key policies, where "*" means
 * the key itself.
 */
function checkIamWildcards(stack: SynthesizedStack): Finding[] {
  const findings: Finding[] = [];
  const keyPolicies = resources(stack, "aws_kms_key").map(([, key]) => String(key.policy ?? ""));
  for (const [docName, doc] of policyDocuments(stack)) {
    const id = `data.aws_iam_policy_document.${docName}`;
    const isKeyPolicy = keyPolicies.some((p) => p.includes(`${id}.json`));
    for (const statement of statementsOf(doc)) {
      if (statement.effect === "Deny") continue; // A wildcard in a Deny only narrows access.
      const label = `${id} (${statement.sid ?? "statement"})`;
      const actions = statement.actions ?? [];
      // Any "*" in an action widens it: "*", "dynamodb:*", "dynamodb:Update*", "dynamodb:*Item".
      const wildActions = actions.filter((a) => a.includes("*"));
      if (wildActions.length > 0 && !isKeyPolicy) {
        findings.push({
          rule: "iam-wildcard-action",
          resource: label,
          message: `${label} allows wildcard actions ${wildActions.join(", ")}`,
        });
      }
      if (actions.includes("*")) {
        findings.push({
          rule: "iam-wildcard-action",
          resource: label,
          message: `${label} allows every action ("*")`,
        });
      }
      const wildResources = (statement.resources ?? []).filter((r) => r === "*");
      const allowed = actions.every((a) => UNSCOPABLE_ACTIONS.includes(a));
      if (wildResources.length > 0 && !allowed && !isKeyPolicy) {
        findings.push({
          rule: "iam-wildcard-resource",
          resource: label,
          message: `${label} allows ${actions.join(", ")} on every resource ("*")`,
        });
      }
    }
  }
  return findings;
}

/** Rule 5: every alarm notifies someone. */
function checkAlarms(stack: SynthesizedStack): Finding[] {
  return resources(stack, "aws_cloudwatch_metric_alarm")
    .filter(([, alarm]) => !Array.isArray(alarm.alarm_actions) || alarm.alarm_actions.length === 0)
    .map(([name]) => {
      const id = ref("aws_cloudwatch_metric_alarm", name);
      return { rule: "alarm-action", resource: id, message: `${id} has no alarm action` };
    });
}

/** Rule 6: DynamoDB tables have point-in-time recovery and server-side encryption. */
function checkTables(stack: SynthesizedStack): Finding[] {
  const findings: Finding[] = [];
  for (const [name, table] of resources(stack, "aws_dynamodb_table")) {
    const id = ref("aws_dynamodb_table", name);
    if ((table.point_in_time_recovery as Block | undefined)?.enabled !== true) {
      findings.push({
        rule: "dynamodb-pitr",
        resource: id,
        message: `${id} does not have point-in-time recovery`,
      });
    }
    if ((table.server_side_encryption as Block | undefined)?.enabled !== true) {
      findings.push({
        rule: "dynamodb-encryption",
        resource: id,
        message: `${id} does not use server-side encryption with KMS`,
      });
    }
  }
  return findings;
}

/** The path of an API Gateway resource id expression, following parent_id up to the root. */
function resourcePath(stack: SynthesizedStack, resourceId: unknown): string | undefined {
  if (typeof resourceId !== "string") return undefined;
  if (/\.root_resource_id\}$/.test(resourceId)) return "/";
  const name = /^\$\{aws_api_gateway_resource\.([\w-]+)\.id\}$/.exec(resourceId)?.[1];
  const resource = name ? stack.resource?.aws_api_gateway_resource?.[name] : undefined;
  if (!resource) return undefined;
  const parent = resourcePath(stack, resource.parent_id);
  return parent === undefined ? undefined : `${parent === "/" ? "" : parent}/${String(resource.path_part)}`;
}

/** Methods the route table declares public; every other method is a customer's and needs sign-in. */
const PUBLIC_METHODS = new Set(
  API_ROUTES.filter((r) => r.access === "public").map((r) => `${r.method} ${r.resourcePath}`),
);

/**
 * Rule 7: every API method other than a public route and CORS preflight has an authorizer, or is
 * governed by the api_auth variable (whose `none` is the documented, explicit opt-out).
 */
function checkApiAuthorization(stack: SynthesizedStack): Finding[] {
  const findings: Finding[] = [];
  for (const [name, method] of resources(stack, "aws_api_gateway_method")) {
    if (method.http_method === "OPTIONS") continue;
    const path = resourcePath(stack, method.resource_id);
    if (path !== undefined && PUBLIC_METHODS.has(`${String(method.http_method)} ${path}`)) continue;
    const authorization = String(method.authorization ?? "NONE");
    const guarded =
      ["COGNITO_USER_POOLS", "CUSTOM", "AWS_IAM"].includes(authorization) ||
      (authorization.includes("var.api_auth") && authorization.includes("COGNITO_USER_POOLS"));
    if (!guarded) {
      const id = ref("aws_api_gateway_method", name);
      findings.push({
        rule: "api-authorizer",
        resource: id,
        message: `${id} (${String(method.http_method)} ${path ?? "?"}) is open to anyone: it has no authorizer and is not a public route`,
      });
    }
  }
  return findings;
}

/** What a secret key of a payment provider looks like (Stripe: sk_live_…, sk_test_…, rk_live_…). */
const SECRET_KEY_PATTERN = /\b[sr]k_(live|test)_[A-Za-z0-9]+/;

/**
 * Rule 8: no secret value in the configuration, hence none in the plan or the state: no secret
 * version resource (its secret_string is stored in state), no key-shaped value in any resource.
 */
function checkSecretValues(stack: SynthesizedStack): Finding[] {
  const versions = resources(stack, "aws_secretsmanager_secret_version").map(([name]) => {
    const id = ref("aws_secretsmanager_secret_version", name);
    return {
      rule: "secret-in-state",
      resource: id,
      message: `${id} puts a secret's value into Terraform state: create the secret empty and fill it with the AWS CLI`,
    };
  });
  const keyShaped = Object.entries(stack.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName)
      .filter(([, block]) => SECRET_KEY_PATTERN.test(JSON.stringify(block)))
      .map(([name]) => {
        const id = ref(type, name);
        return {
          rule: "secret-in-state",
          resource: id,
          message: `${id} holds a value shaped like a secret key: read it from Secrets Manager at run time instead`,
        };
      }),
  );
  return [...versions, ...keyShaped];
}

/** A variable's default, as the synthesized JSON declares it. */
const variableDefault = (stack: SynthesizedStack, name: string): unknown => stack.variable?.[name]?.default;

/**
 * Rule 9: in a stack whose WAF is on by default (or that has a web ACL), every API stage is
 * associated with one.
 */
function checkWafAssociation(stack: SynthesizedStack): Finding[] {
  const wafOn =
    variableDefault(stack, "enable_waf") === true || resources(stack, "aws_wafv2_web_acl").length > 0;
  if (!wafOn) return [];
  const associated = resources(stack, "aws_wafv2_web_acl_association").map(([, a]) => String(a.resource_arn));
  return resources(stack, "aws_api_gateway_stage")
    .filter(([name]) => !associated.some((arn) => refersTo(arn, "aws_api_gateway_stage", name)))
    .map(([name]) => {
      const id = ref("aws_api_gateway_stage", name);
      return { rule: "waf-association", resource: id, message: `${id} is not associated with the web ACL` };
    });
}

/** Rule 10: when the stack places functions in a VPC (a vpc_mode variable), every function honours it. */
function checkFunctionsInVpc(stack: SynthesizedStack): Finding[] {
  if (stack.variable?.vpc_mode === undefined) return [];
  return resources(stack, "aws_lambda_function")
    .filter(
      ([, fn]) => fn.vpc_config === undefined && (fn.dynamic as Block | undefined)?.vpc_config === undefined,
    )
    .map(([name]) => {
      const id = ref("aws_lambda_function", name);
      return {
        rule: "lambda-in-vpc",
        resource: id,
        message: `${id} has no vpc_config: it would run outside the VPC`,
      };
    });
}

const OPEN_CIDRS = new Set(["0.0.0.0/0", "::/0"]);
const opens = (values: unknown): boolean =>
  (Array.isArray(values) ? values : [values]).some((v) => typeof v === "string" && OPEN_CIDRS.has(v));

/** Rule 11: no security group admits the whole internet. */
function checkOpenIngress(stack: SynthesizedStack): Finding[] {
  const open = [
    ...resources(stack, "aws_security_group")
      .filter(([, sg]) =>
        ((sg.ingress ?? []) as Block[]).some(
          (rule) => opens(rule.cidr_blocks) || opens(rule.ipv6_cidr_blocks),
        ),
      )
      .map(([name]) => ref("aws_security_group", name)),
    ...resources(stack, "aws_vpc_security_group_ingress_rule")
      .filter(([, rule]) => opens(rule.cidr_ipv4) || opens(rule.cidr_ipv6))
      .map(([name]) => ref("aws_vpc_security_group_ingress_rule", name)),
    ...resources(stack, "aws_security_group_rule")
      .filter(
        ([, rule]) => rule.type === "ingress" && (opens(rule.cidr_blocks) || opens(rule.ipv6_cidr_blocks)),
      )
      .map(([name]) => ref("aws_security_group_rule", name)),
  ];
  return open.map((id) => ({
    rule: "sg-open-ingress",
    resource: id,
    message: `${id} admits 0.0.0.0/0 or ::/0`,
  }));
}

/** Rule 12: WAF's log group keeps its logs for a set time. */
function checkWafLogRetention(stack: SynthesizedStack): Finding[] {
  return resources(stack, "aws_cloudwatch_log_group")
    .filter(
      ([, group]) =>
        String(group.name).startsWith("aws-waf-logs-") && !positiveNumber(stack, group.retention_in_days),
    )
    .map(([name]) => {
      const id = ref("aws_cloudwatch_log_group", name);
      return {
        rule: "waf-log-retention",
        resource: id,
        message: `${id} keeps WAF logs forever: set a retention`,
      };
    });
}

export const RULES = [
  "s3-encryption",
  "s3-public-access",
  "s3-tls-only",
  "sqs-encryption",
  "sqs-dead-letter",
  "lambda-tracing",
  "lambda-log-retention",
  "lambda-own-role",
  "iam-wildcard-action",
  "iam-wildcard-resource",
  "alarm-action",
  "dynamodb-pitr",
  "dynamodb-encryption",
  "api-authorizer",
  "secret-in-state",
  "waf-association",
  "lambda-in-vpc",
  "sg-open-ingress",
  "waf-log-retention",
] as const;

export function checkBaseline(stack: SynthesizedStack): Finding[] {
  return [
    ...checkBuckets(stack),
    ...checkQueues(stack),
    ...checkFunctions(stack),
    ...checkIamWildcards(stack),
    ...checkAlarms(stack),
    ...checkTables(stack),
    ...checkApiAuthorization(stack),
    ...checkSecretValues(stack),
    ...checkWafAssociation(stack),
    ...checkFunctionsInVpc(stack),
    ...checkOpenIngress(stack),
    ...checkWafLogRetention(stack),
  ];
}

/**
 * Makes the baseline part of synthesis: `cdktf synth`, `diff` and `deploy` (and `Testing.synth` with
 * validations) refuse the stack, listing each broken rule with the resource that breaks it.
 */
export function enforceSecurityBaseline(stack: TerraformStack): void {
  stack.node.addValidation({
    validate: () =>
      checkBaseline(stack.toTerraform() as SynthesizedStack).map(
        (f) => `security baseline rule ${f.rule} broken by ${f.resource}: ${f.message}`,
      ),
  });
}
