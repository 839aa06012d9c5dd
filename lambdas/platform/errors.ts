/**
 * Typed errors. The class name is the Lambda `errorType`, which is what the state machine's
 * Retry/Catch `ErrorEquals` match on, so names here are part of the workflow contract.
 */

/** A business outcome: never retried, the order goes down the failure path. */
export class BusinessError extends Error {
  constructor(name: BusinessErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

export const BUSINESS_ERRORS = [
  "OrderNotFound",
  "ProductNotFound",
  /** Staff took the product off sale (`active: false`): it can no longer be ordered. */
  "ProductUnavailable",
  "InsufficientStock",
  "PaymentDeclined",
  "InsufficientFunds",
  /** The card needs the customer's action (3-D Secure) where nobody can take it (an Express workflow). */
  "PaymentRequiresAction",
  /** The provider reported the payment failed or canceled (3-D Secure failed, a late decline). */
  "PaymentFailed",
  /** The customer did not authenticate (or the payment did not settle) within the wait. */
  "PaymentActionTimedOut",
  "OutOfStock",
  /** A workflow run for an order that already ended (Express can run an execution twice). */
  "OrderAlreadyFinished",
  /** Another run of the order's workflow settled its payment differently (refunded it). */
  "PaymentAlreadySettled",
  /** The customer or staff cancelled the order while its workflow ran: what it took is given back. */
  "OrderCancelled",
] as const;
export type BusinessErrorName = (typeof BUSINESS_ERRORS)[number];

/** Another run of the order's workflow settled its payment otherwise (a refund is never undone). */
export function paymentAlreadySettled(orderId: string): BusinessError {
  return new BusinessError(
    "PaymentAlreadySettled",
    `Order ${orderId}'s payment was already settled by another run of its workflow.`,
  );
}

/** SES refused an e-mail for good (sandbox recipient not verified, malformed address): not retried. */
export class EmailRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmailRejected";
  }
}

/** A passing failure (gateway hiccup, throttling): the workflow retries with backoff and jitter. */
export class TransientError extends Error {
  constructor(name: TransientErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

export type TransientErrorName = "PaymentGatewayUnavailable" | "DependencyUnavailable";

/**
 * Errors worth a retry by the workflow: our gateway's hiccup, and DynamoDB throttling/contention that
 * outlasted the SDK's own retries (TransactionCanceled here is a conflict; a short stock is OutOfStock).
 */
export const TRANSIENT_ERRORS = [
  "PaymentGatewayUnavailable",
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "TransactionConflictException",
  "TransactionInProgressException",
  "TransactionCanceledException",
] as const;

/** A dependency that did not answer at all: retried longer than a refusal (see the workflow definition). */
export const UNREACHABLE_ERRORS = ["DependencyUnavailable"] as const;

/** Lambda service errors Step Functions reports for an invoke that did not run the handler. */
export const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
] as const;

/** Socket-level failures: the service did not answer, which says nothing about the order. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);
const UNREACHABLE_NAMES = new Set(["TimeoutError", "RequestTimeout", "NetworkingError"]);

/** True when an error means a dependency (DynamoDB, SNS, …) could not be reached, not that it said no. */
export function isUnreachable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== "object" || seen.has(e)) return false;
    seen.add(e);
    const { code, name, message, cause, errors } = e as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return true;
    // The SDK wraps an error from another realm ("AWS SDK error wrapper for Error: connect
    // ECONNREFUSED …"): only the message keeps the code.
    if (typeof message === "string" && [...UNREACHABLE_CODES].some((c) => message.includes(c))) return true;
    if (typeof name === "string" && UNREACHABLE_NAMES.has(name)) return true;
    return visit(cause) || (Array.isArray(errors) && errors.some(visit));
  };
  return visit(error);
}

/**
 * What a handler throws for an error: an unreachable dependency becomes DependencyUnavailable, which
 * the workflow retries with backoff, so a database restart is never taken for a business failure.
 */
export function asWorkflowError(error: unknown): unknown {
  if (error instanceof BusinessError || error instanceof TransientError || !isUnreachable(error))
    return error;
  return new TransientError(
    "DependencyUnavailable",
    `A dependency could not be reached: ${(error as Error).message}`,
  );
}
