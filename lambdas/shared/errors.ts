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
  "InsufficientStock",
  "PaymentDeclined",
  "OutOfStock",
] as const;
export type BusinessErrorName = (typeof BUSINESS_ERRORS)[number];

/** A passing failure (gateway hiccup, throttling): the workflow retries with backoff and jitter. */
export class TransientError extends Error {
  constructor(name: TransientErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

export type TransientErrorName = "PaymentGatewayUnavailable";

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

/** Lambda service errors Step Functions reports for an invoke that did not run the handler. */
export const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
] as const;
