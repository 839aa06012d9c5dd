/**
 * Enforcement: every AWS call a function or the workflow makes locally is checked against its
 * role's policies from the synthesized stack before the local service acts on it. A denied call
 * fails as AWS fails it: an AccessDeniedException naming the action, the resource and the role's
 * session, so the caller's own error handling runs as deployed.
 *
 * Calls are attributed by credentials, as in AWS: each function signs with its own access key id
 * (its FunctionId; lambda/host.ts) and the workflow with "Workflow"; ports the runtime hands a
 * function (queue, workflow, SNS) are checked under that function's role.
 */
import type { IncomingHttpHeaders } from "node:http";
import { FUNCTIONS, type FunctionId } from "../../lambdas/platform/contracts";
import { evaluate } from "./policy-evaluator";
import { SERVICE_PRINCIPALS, type EnforcedRole, type Principal } from "./enforced-roles";

/** One action on one resource, as IAM authorizes it. */
export interface Check {
  readonly action: string;
  readonly resource: string;
}

export class AccessDeniedException extends Error {
  constructor(
    readonly role: EnforcedRole,
    readonly check: Check,
    explicit: boolean,
  ) {
    super(
      `User: ${role.sessionArn} is not authorized to perform: ${check.action} on resource: ${check.resource} because ${
        explicit
          ? "an explicit deny in an identity-based policy applies"
          : `no identity-based policy allows the ${check.action} action`
      }`,
    );
    this.name = "AccessDeniedException";
  }
}

/** The access key id a principal signs with locally. */
export function accessKeyOf(principal: Principal): string {
  return principal;
}

const PRINCIPALS = new Set<string>([...FUNCTIONS.map((f) => f.id), ...SERVICE_PRINCIPALS]);

/** The principal whose access key signed a request (SigV4's Credential=<key>/…), if it is one. */
export function principalOfRequest(headers: IncomingHttpHeaders): Principal | undefined {
  const credential = /Credential=([^/]+)\//.exec(String(headers.authorization ?? ""))?.[1];
  return credential && PRINCIPALS.has(credential) ? (credential as Principal) : undefined;
}

export class AccessGuard {
  /**
   * Decisions by principal, action and resource: a role's policies are the synthesized stack's for
   * the guard's whole life, so one evaluation per distinct call is enough.
   */
  private readonly decisions = new Map<string, ReturnType<typeof evaluate>>();

  constructor(
    private readonly roles: ReadonlyMap<Principal, EnforcedRole>,
    private readonly onDenied: (denial: AccessDeniedException, principal: Principal) => void,
  ) {}

  role(principal: Principal): EnforcedRole {
    return this.roles.get(principal)!;
  }

  /** The first check the principal's role does not allow, or undefined when it allows them all. */
  denial(principal: Principal, checks: readonly Check[]): AccessDeniedException | undefined {
    const role = this.role(principal);
    for (const check of checks) {
      const key = `${principal}\n${check.action}\n${check.resource}`;
      let decision = this.decisions.get(key);
      if (!decision) {
        decision = evaluate(role.documents, check);
        this.decisions.set(key, decision);
      }
      if (decision.allowed) continue;
      const denial = new AccessDeniedException(role, check, decision.reason === "explicit-deny");
      this.onDenied(denial, principal);
      return denial;
    }
    return undefined;
  }

  /** Throws the AccessDeniedException of the first check not allowed. */
  enforce(principal: Principal, checks: readonly Check[]): void {
    const denied = this.denial(principal, checks);
    if (denied) throw denied;
  }
}

/** One readable line for a denial: function, action, resource. */
export function denialLine(denial: AccessDeniedException, principal: Principal | FunctionId): string {
  return `IAM denied ${principal} (${denial.role.name}): ${denial.check.action} on ${denial.check.resource}`;
}
