/**
 * IAM for the local runtime: the synthesized stack's roles (enforced-roles.ts), and the two ways a
 * service twin asks them: `deny` for a call the runtime makes on a principal's behalf (a port, a
 * workflow task), `authorizer` for a signed request that reaches a twin's endpoint. Each service's
 * own hook (`<service>/iam.ts`) says which checks a call needs and which error its AWS service
 * returns; denials are kept here for GET /_local/iam and printed once.
 */
import type { IncomingHttpHeaders } from "node:http";
import {
  AccessGuard,
  denialLine,
  principalOfRequest,
  type AccessDeniedException,
  type Check,
} from "./access-guard";
import { enforcedRoles, invokePermissions, type Principal, type TerraformVariables } from "./enforced-roles";
import { loadSynthesizedStack, type StackVariant } from "./synthesized-stack";

/** An AWS error for the caller: its name is the service's error code. */
function named(denial: AccessDeniedException, name: string): Error {
  const error = new Error(denial.message);
  error.name = name;
  return error;
}

/** What a signed request to a local AWS twin asks; undefined when its signer is no enforced role. */
export type RequestAuthorizer<R> = (
  headers: IncomingHttpHeaders,
  request: R,
) => AccessDeniedException | undefined;

export interface LocalEnforcementOptions {
  readonly projectRoot: string;
  /** The local deployment's Terraform variable values. */
  readonly variables: TerraformVariables;
  /** A changed stack (tests); the project's own stack when omitted. */
  readonly stackVariant?: StackVariant;
  readonly log: (line: string) => void;
}

/** How many denials are kept for GET /_local/iam and tests. */
const RECENT_DENIALS = 100;

export class LocalEnforcement {
  readonly guard: AccessGuard;
  private denied: string[] = [];
  /** "<FunctionId> <service principal>" for every aws_lambda_permission of the stack. */
  private readonly invokableBy: ReadonlySet<string>;

  constructor(private readonly options: LocalEnforcementOptions) {
    const synthesized = loadSynthesizedStack(options.projectRoot, options.stackVariant);
    this.guard = new AccessGuard(enforcedRoles(synthesized, options.variables), (denial, principal) =>
      this.record(denialLine(denial, principal)),
    );
    this.invokableBy = invokePermissions(synthesized, options.variables);
  }

  /** Keeps and prints one denial line. */
  record(line: string): void {
    this.denied = [...this.denied.slice(-(RECENT_DENIALS - 1)), line];
    this.options.log(line);
  }

  /** The latest denials, oldest first, one readable line each. */
  denials(): readonly string[] {
    return this.denied;
  }

  /** Throws the AWS error `errorName(denial)` names when the principal may not make these calls. */
  deny(principal: Principal, checks: Check[], errorName: (denial: AccessDeniedException) => string): void {
    const denied = this.guard.denial(principal, checks);
    if (denied) throw named(denied, errorName(denied));
  }

  /** Whether a resource policy (aws_lambda_permission) lets a service principal invoke the function. */
  resourcePolicyAllows(id: string, servicePrincipal: string): boolean {
    return this.invokableBy.has(`${id} ${servicePrincipal}`);
  }

  /** Checks a signed request under the role whose access key signed it. */
  authorizer<R>(checksOf: (request: R) => Check[]): RequestAuthorizer<R> {
    return (headers, request) => {
      const principal = principalOfRequest(headers);
      return principal && this.guard.denial(principal, checksOf(request));
    };
  }
}
