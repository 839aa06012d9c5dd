/**
 * A small IAM identity-policy evaluator for the local runtime: does this role's policy allow this
 * action on this resource? It follows IAM's rules for what it supports (an explicit Deny wins over
 * any Allow; otherwise an Allow must match; otherwise the request is implicitly denied), with `*`
 * and `?` wildcards in actions (case-insensitive) and resources (case-sensitive), NotAction and
 * NotResource, and the condition operators below. Any other operator, or a `ForAnyValue:` /
 * `ForAllValues:` set operator, throws UnsupportedCondition: a condition it cannot evaluate must
 * never silently allow or deny.
 *
 * Not modeled: resource policies, SCPs and RCPs, permission boundaries, session policies, policy
 * variables (`${aws:…}`). No npm evaluator fitted: the maintained one (@cloud-copilot/iam-simulate)
 * is AGPL-3.0, and this MIT project keeps its dependencies permissively licensed.
 */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

export interface AuthorizationRequest {
  /** `service:Action`, e.g. `dynamodb:UpdateItem`. */
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (`aws:SourceAccount`, `dynamodb:LeadingKeys`, …). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision =
  | { readonly allowed: true; readonly statement: string }
  | { readonly allowed: false; readonly reason: "explicit-deny"; readonly statement: string }
  | { readonly allowed: false; readonly reason: "implicit-deny" };

export class UnsupportedCondition extends Error {
  constructor(operator: string, statement: string) {
    super(
      `Statement ${statement} uses the condition operator ${operator}, which the local IAM evaluator does not evaluate.`,
    );
    this.name = "UnsupportedCondition";
  }
}

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : value;

/** IAM's wildcard match: `*` any run of characters, `?` exactly one. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, ignoreCase ? "is" : "s").test(value);
}

const matchesAction = (patterns: readonly string[], action: string) =>
  patterns.some((p) => wildcard(p, action, true));
const matchesResource = (patterns: readonly string[], resource: string) =>
  patterns.some((p) => wildcard(p, resource, false));

type Compare = (expected: string, actual: string) => boolean;

/** The operators it evaluates, each against any of the request's values for the key. */
const OPERATORS: Readonly<Record<string, { compare: Compare; negated?: boolean }>> = {
  StringEquals: { compare: (e, a) => e === a },
  StringNotEquals: { compare: (e, a) => e === a, negated: true },
  StringEqualsIgnoreCase: { compare: (e, a) => e.toLowerCase() === a.toLowerCase() },
  StringLike: { compare: (e, a) => wildcard(e, a, false) },
  StringNotLike: { compare: (e, a) => wildcard(e, a, false), negated: true },
  ArnEquals: { compare: (e, a) => e === a },
  ArnLike: { compare: (e, a) => wildcard(e, a, false) },
  ArnNotEquals: { compare: (e, a) => e === a, negated: true },
  ArnNotLike: { compare: (e, a) => wildcard(e, a, false), negated: true },
  Bool: { compare: (e, a) => e.toLowerCase() === a.toLowerCase() },
};

function conditionHolds(
  operatorName: string,
  keys: Readonly<Record<string, string | readonly string[]>>,
  context: Readonly<Record<string, string | readonly string[]>>,
  statement: string,
): boolean {
  const ifExists = operatorName.endsWith("IfExists");
  const base = ifExists ? operatorName.slice(0, -"IfExists".length) : operatorName;
  const operator = Object.hasOwn(OPERATORS, base) ? OPERATORS[base] : undefined;
  if (!operator || base.includes(":")) throw new UnsupportedCondition(operatorName, statement);
  // Every key of the block must hold (AND); any of a key's expected values may match (OR).
  return Object.entries(keys).every(([key, expected]) => {
    const found = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    if (found === undefined) return ifExists || Boolean(operator.negated);
    const matched = list(found).some((actual) => list(expected).some((e) => operator.compare(e, actual)));
    return operator.negated ? !matched : matched;
  });
}

function applies(statement: PolicyStatement, name: string, request: AuthorizationRequest): boolean {
  const action = statement.NotAction
    ? !matchesAction(list(statement.NotAction), request.action)
    : matchesAction(list(statement.Action), request.action);
  if (!action) return false;
  const resource = statement.NotResource
    ? !matchesResource(list(statement.NotResource), request.resource)
    : matchesResource(list(statement.Resource), request.resource);
  if (!resource) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    conditionHolds(operator, keys, request.context ?? {}, name),
  );
}

/** IAM's decision for one request against a role's identity policies. */
export function evaluate(policies: readonly PolicyDocument[], request: AuthorizationRequest): Decision {
  let allowedBy: string | undefined;
  for (const policy of policies) {
    const statements = Array.isArray(policy.Statement)
      ? policy.Statement
      : [policy.Statement as PolicyStatement];
    for (const [index, statement] of statements.entries()) {
      const name = statement.Sid ?? `#${index + 1}`;
      if (!applies(statement, name, request)) continue;
      if (statement.Effect === "Deny") return { allowed: false, reason: "explicit-deny", statement: name };
      allowedBy ??= name;
    }
  }
  return allowedBy ? { allowed: true, statement: allowedBy } : { allowed: false, reason: "implicit-deny" };
}
