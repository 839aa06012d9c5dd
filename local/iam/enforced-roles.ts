/**
 * The roles the local runtime enforces, read from the synthesized stack: each function's execution
 * role (the role its aws_lambda_function names) and the state machine's role, with every inline
 * policy (aws_iam_role_policy) attached to them that exists for these variable values, as IAM policy
 * documents with local ARNs in place of Terraform references.
 *
 * Counts and policy choices are Terraform expressions; this evaluates only the forms the stack
 * writes (`(var.x == "v") ? a : b`, numbers, a policy document's `.json`) and throws on any other,
 * so a policy it cannot read is never silently skipped.
 */
import { FUNCTIONS, type FunctionId } from "../../lambdas/platform/contracts";
import { LOCAL_ACCOUNT, LOCAL_NAME_PREFIX } from "../runtime/resources";
import type { PolicyDocument, PolicyStatement } from "./policy-evaluator";
import type { SynthesizedStack } from "./synthesized-stack";

/**
 * Who makes a call: a function (its execution role), the workflow (the state machine's role), the
 * outbox pipe (the orders stream → OrdersQueue) or the reconciler's schedule (its invoke role).
 */
export type Principal = FunctionId | "Workflow" | "OutboxPipe" | "ReconcilerSchedule";

export const SERVICE_PRINCIPALS: readonly Principal[] = ["Workflow", "OutboxPipe", "ReconcilerSchedule"];

export interface EnforcedRole {
  readonly principal: Principal;
  /** As the local deployment names it (`local-process-payment-role`). */
  readonly name: string;
  /** The assumed-role session AWS names in an AccessDenied message. */
  readonly sessionArn: string;
  readonly documents: readonly PolicyDocument[];
  /** Resources left as Terraform references (no local twin): they can match no local call. */
  readonly unresolved: readonly string[];
}

/** Terraform variable values of the local deployment (the rest take the stack's defaults). */
export type TerraformVariables = Readonly<Record<string, string>>;

type Block = Record<string, unknown>;
type Value = number | string | { readonly document: string };

export class UnreadablePolicy extends Error {
  constructor(message: string) {
    super(`Local IAM cannot read the synthesized stack: ${message}`);
    this.name = "UnreadablePolicy";
  }
}

const CONDITIONAL = /^\(var\.(\w+) (==|!=) "([^"]*)"\) \? (.+?) : (.+)$/;
const DOCUMENT = /^data\.aws_iam_policy_document\.(\w+)(?:\[0\])?\.json$/;
const JOINED_DOCUMENT = /^join\("", data\.aws_iam_policy_document\.(\w+)\[\*\]\.json\)$/;

class StackReader {
  constructor(
    private readonly synthesized: SynthesizedStack,
    private readonly variables: TerraformVariables,
  ) {}

  blocks(kind: "data" | "resource", type: string): Record<string, Block> {
    return this.synthesized.json[kind]?.[type] ?? {};
  }

  variable(name: string): string {
    const value = this.variables[name] ?? this.synthesized.json.variable?.[name]?.default;
    if (value === undefined) throw new UnreadablePolicy(`variable ${name} has no local value and no default`);
    return String(value);
  }

  /** A count, or the document a policy names, from the expression the stack wrote. */
  evaluate(expression: unknown, where: string): Value {
    if (typeof expression === "number") return expression;
    if (typeof expression !== "string") throw new UnreadablePolicy(`${where} is not an expression`);
    if (!expression.startsWith("${") || !expression.endsWith("}")) return expression;
    return this.evaluateInner(expression.slice(2, -1).trim(), where);
  }

  private evaluateInner(inner: string, where: string): Value {
    if (/^\d+$/.test(inner)) return Number(inner);
    const conditional = CONDITIONAL.exec(inner);
    if (conditional) {
      const [, name, operator, literal, whenTrue, whenFalse] = conditional;
      const holds = (this.variable(name) === literal) === (operator === "==");
      return this.evaluateInner((holds ? whenTrue : whenFalse).trim(), where);
    }
    const document = DOCUMENT.exec(inner) ?? JOINED_DOCUMENT.exec(inner);
    if (document) return { document: document[1] };
    throw new UnreadablePolicy(`${where} is \${${inner}}, an expression form it does not evaluate`);
  }

  exists(block: Block, where: string): boolean {
    return block.count === undefined || this.evaluate(block.count, `${where}.count`) !== 0;
  }

  /** Terraform references replaced by their local twins. */
  localize(resource: string, unresolved: string[]): string {
    let value = resource;
    for (const [expression, local] of this.synthesized.references)
      value = value.split(expression).join(local);
    if (value.includes("${")) unresolved.push(value);
    return value;
  }

  /** aws_iam_policy_document's statement blocks as an IAM policy document. */
  document(name: string, unresolved: string[]): PolicyDocument {
    const block = this.blocks("data", "aws_iam_policy_document")[name];
    if (!block) throw new UnreadablePolicy(`data.aws_iam_policy_document.${name} is missing`);
    for (const unsupported of ["source_policy_documents", "override_policy_documents", "source_json"]) {
      if (block[unsupported] !== undefined) {
        throw new UnreadablePolicy(`data.aws_iam_policy_document.${name} uses ${unsupported}`);
      }
    }
    const statements = (block.statement as Block[] | undefined) ?? [];
    return { Version: "2012-10-17", Statement: statements.map((s) => this.statement(s, unresolved)) };
  }

  private statement(block: Block, unresolved: string[]): PolicyStatement {
    const strings = (key: string) => block[key] as string[] | undefined;
    const localized = (key: string) => strings(key)?.map((r) => this.localize(r, unresolved));
    const conditions = (block.condition as { test: string; variable: string; values: string[] }[]) ?? [];
    const condition: Record<string, Record<string, string[]>> = {};
    for (const { test, variable, values } of conditions) {
      condition[test] = { ...condition[test], [variable]: values.map((v) => this.localize(v, unresolved)) };
    }
    return {
      Sid: block.sid as string | undefined,
      Effect: (block.effect as "Allow" | "Deny" | undefined) ?? "Allow",
      Action: strings("actions"),
      NotAction: strings("not_actions"),
      Resource: localized("resources"),
      NotResource: localized("not_resources"),
      ...(conditions.length > 0 ? { Condition: condition } : {}),
    };
  }
}

/** A deployed name as the local deployment calls it (`ecommerce-dev-x-role` → `local-x-role`). */
function localRoleName(synthesized: SynthesizedStack, deployedName: string): string {
  return deployedName.startsWith(`${synthesized.namePrefix}-`)
    ? `${LOCAL_NAME_PREFIX}-${deployedName.slice(synthesized.namePrefix.length + 1)}`
    : deployedName;
}

const ROLE_REFERENCE = /aws_iam_role\.(\w+)[.[]/;

function roleNamed(expression: unknown, where: string): string {
  const match = ROLE_REFERENCE.exec(String(expression));
  if (!match) throw new UnreadablePolicy(`${where} names no aws_iam_role`);
  return match[1];
}

/** The inline policies of one role that exist for these variable values. */
function roleDocuments(reader: StackReader, roleId: string, unresolved: string[]): PolicyDocument[] {
  const attachments = Object.entries(reader.blocks("resource", "aws_iam_role_policy_attachment")).filter(
    ([, attachment]) => ROLE_REFERENCE.exec(String(attachment.role))?.[1] === roleId,
  );
  if (attachments.length > 0) {
    throw new UnreadablePolicy(`aws_iam_role.${roleId} has managed policies, which it does not model`);
  }
  return Object.entries(reader.blocks("resource", "aws_iam_role_policy"))
    .filter(([, policy]) => ROLE_REFERENCE.exec(String(policy.role))?.[1] === roleId)
    .filter(([name, policy]) => reader.exists(policy, `aws_iam_role_policy.${name}`))
    .map(([name, policy]) => {
      const value = reader.evaluate(policy.policy, `aws_iam_role_policy.${name}.policy`);
      if (typeof value !== "object") {
        throw new UnreadablePolicy(`aws_iam_role_policy.${name}.policy is not a policy document`);
      }
      return reader.document(value.document, unresolved);
    });
}

function enforcedRole(
  reader: StackReader,
  synthesized: SynthesizedStack,
  principal: Principal,
  roleReference: { expression: unknown; where: string; sessionName: string },
): EnforcedRole {
  const roleId = roleNamed(roleReference.expression, roleReference.where);
  const role = reader.blocks("resource", "aws_iam_role")[roleId];
  if (!role) throw new UnreadablePolicy(`aws_iam_role.${roleId} is missing`);
  const name = localRoleName(synthesized, String(role.name));
  const unresolved: string[] = [];
  return {
    principal,
    name,
    sessionArn: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${name}/${roleReference.sessionName}`,
    documents: roleDocuments(reader, roleId, unresolved),
    unresolved,
  };
}

/** Every function's role and the workflow's, for these variable values. */
export function enforcedRoles(
  synthesized: SynthesizedStack,
  variables: TerraformVariables,
): ReadonlyMap<Principal, EnforcedRole> {
  const reader = new StackReader(synthesized, variables);
  const roles = new Map<Principal, EnforcedRole>();
  const functions = reader.blocks("resource", "aws_lambda_function");
  for (const spec of FUNCTIONS) {
    const lambda = functions[`${spec.id}Lambda`];
    if (!lambda) throw new UnreadablePolicy(`aws_lambda_function.${spec.id}Lambda is missing`);
    roles.set(
      spec.id,
      enforcedRole(reader, synthesized, spec.id, {
        expression: lambda.role,
        where: `aws_lambda_function.${spec.id}Lambda.role`,
        sessionName: localRoleName(synthesized, String(lambda.function_name)),
      }),
    );
  }
  const services: [Principal, string, (block: Block) => unknown][] = [
    ["Workflow", "aws_sfn_state_machine", (machine) => machine.role_arn],
    ["OutboxPipe", "aws_pipes_pipe", (pipe) => pipe.role_arn],
    ["ReconcilerSchedule", "aws_scheduler_schedule", (schedule) => (schedule.target as Block).role_arn],
  ];
  for (const [principal, type, roleOf] of services) {
    const blocks = Object.entries(reader.blocks("resource", type));
    // The reconcilers' two schedules share one role; any other service has one resource.
    const roleExpressions = new Set(blocks.map(([, block]) => JSON.stringify(roleOf(block))));
    if (blocks.length === 0 || roleExpressions.size !== 1) {
      throw new UnreadablePolicy(
        `expected ${type} resources with one role, found ${blocks.length} with ${roleExpressions.size}`,
      );
    }
    const [id, block] = blocks[0];
    roles.set(
      principal,
      enforcedRole(reader, synthesized, principal, {
        expression: roleOf(block),
        where: `${type}.${id}`,
        sessionName: `local-${principal}`,
      }),
    );
  }
  return roles;
}

/**
 * Which AWS services a function's resource policy lets invoke it (each aws_lambda_permission that
 * exists for these variable values), as `"<FunctionId> <service principal>"`.
 */
export function invokePermissions(
  synthesized: SynthesizedStack,
  variables: TerraformVariables,
): ReadonlySet<string> {
  const reader = new StackReader(synthesized, variables);
  const granted = new Set<string>();
  for (const [name, permission] of Object.entries(reader.blocks("resource", "aws_lambda_permission"))) {
    if (!reader.exists(permission, `aws_lambda_permission.${name}`)) continue;
    if (permission.action !== "lambda:InvokeFunction") continue;
    // Named by the function or by its alias (`<Id>Lambda`, `<Id>LiveAlias`): a local function has no versions.
    const named = /aws_lambda_(?:function\.(\w+)Lambda|alias\.(\w+)LiveAlias)\./.exec(
      String(permission.function_name),
    );
    const target = named?.[1] ?? named?.[2];
    if (target) granted.add(`${target} ${String(permission.principal)}`);
  }
  return granted;
}
