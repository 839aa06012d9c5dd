/**
 * The one builder of OrderProcessingStateMachine's definition (Amazon States Language). The stack
 * passes Terraform references, the local runtime and tests pass local ARNs: all run the same states.
 */
import type { FunctionId } from "../platform/contracts";
import { METRICS_NAMESPACE } from "../platform/config";
import {
  BUSINESS_ERRORS,
  LAMBDA_SERVICE_ERRORS,
  TRANSIENT_ERRORS,
  UNREACHABLE_ERRORS,
} from "../platform/errors";
import { ORDER_WORKFLOW_EVENT_SOURCE, ORDER_WORKFLOW_EVENTS } from "./events";
import { ORDER_ATTRIBUTES } from "../orders/order";
import { ORDERS_TABLE } from "../platform/table-definitions";
import { DEFAULT_WORKFLOW_TYPE, EXPRESS_MAX_DURATION_SECONDS, type WorkflowType } from "./type";

/**
 * What the definition points at. A Task names a function by the ARN `functionArn(id)` returns; the
 * workflow role and the local task binding are both derived from those Resources (workflow-wiring.ts).
 */
export interface WorkflowResources {
  readonly functionArn: (id: FunctionId) => string;
  readonly ordersTableName: string;
  readonly orderErrorTopicArn: string;
  readonly criticalAlertsTopicArn: string;
  /** The bus an Express workflow announces its end on (the account's default bus). */
  readonly eventBusArn: string;
  /**
   * How long the waiting payment step waits for the provider's outcome (payment_action_timeout_minutes).
   * The stack passes PAYMENT_ACTION_TIMEOUT_PLACEHOLDER and puts the variable in its place.
   */
  readonly paymentActionTimeoutSeconds: number;
}

/** A number no real timeout has: the stack swaps it for `var.payment_action_timeout_minutes * 60`. */
export const PAYMENT_ACTION_TIMEOUT_PLACEHOLDER = 1_999_999_999;

/** Step Functions' optimized integrations used by the definition. */
export const SNS_PUBLISH = "arn:aws:states:::sns:publish";
export const DYNAMODB_UPDATE_ITEM = "arn:aws:states:::dynamodb:updateItem";
export const EVENTS_PUT_EVENTS = "arn:aws:states:::events:putEvents";
/** Invokes a function with a task token and waits until SendTaskSuccess/SendTaskFailure (or its timeout). */
export const LAMBDA_INVOKE_WAIT_FOR_TOKEN = "arn:aws:states:::lambda:invoke.waitForTaskToken";
/** The AWS SDK integration for CloudWatch's PutMetricData. */
export const CLOUDWATCH_PUT_METRIC_DATA = "arn:aws:states:::aws-sdk:cloudwatch:putMetricData";

/** Counted by the workflow when an order fails for a reason that is not the customer's (paged). */
export const UNEXPECTED_FAILURE_METRIC = "UnexpectedOrderFailures";

/** State names: users look for these in the console and in the local execution log. */
export const STATES = {
  validateOrder: "ValidateOrder",
  processPayment: "ProcessPayment",
  paymentSettled: "PaymentSettled",
  awaitPaymentOutcome: "AwaitPaymentOutcome",
  paymentActionTimedOut: "PaymentActionTimedOut",
  /** Express only: a payment that must wait for the customer cannot. */
  paymentCannotWait: "PaymentCannotWait",
  cancelPayment: "CancelPayment",
  notifyCancellationFailure: "NotifyPaymentCancellationFailure",
  updateInventory: "UpdateInventory",
  releaseInventory: "ReleaseInventory",
  refundPayment: "RefundPayment",
  notifyReleaseFailure: "NotifyInventoryReleaseFailure",
  notifyCompensationFailure: "NotifyCompensationFailure",
  classifyFailure: "ClassifyFailure",
  describeBusinessFailure: "DescribeBusinessFailure",
  describeUnexpectedFailure: "DescribeUnexpectedFailure",
  countUnexpectedFailure: "CountUnexpectedFailure",
  countUnrecordedFailure: "CountUnrecordedFailure",
  orderFailed: "OrderFailed",
  notifyOrderFailure: "NotifyOrderFailure",
  orderProcessingFailed: "OrderProcessingFailed",
  failureNotRecorded: "OrderFailureNotRecorded",
  alreadyFinished: "OrderAlreadyFinished",
  /** Express only: the workflow's own end-of-order events (Express emits no status changes). */
  announceConfirmed: "AnnounceOrderConfirmed",
  announceFailed: "AnnounceOrderFailed",
} as const;

/** The seed's order of the happy path. */
export const HAPPY_PATH = [STATES.validateOrder, STATES.processPayment, STATES.updateInventory] as const;

export type StateDefinition = Record<string, unknown>;
export interface WorkflowDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly TimeoutSeconds: number;
  readonly States: Record<string, StateDefinition>;
}

/** Transient failures only: backoff with full jitter, so retries of many orders do not align. */
const retryTransient = (maxAttempts: number) => ({
  ErrorEquals: [...LAMBDA_SERVICE_ERRORS, ...TRANSIENT_ERRORS],
  IntervalSeconds: 1,
  BackoffRate: 2,
  MaxAttempts: maxAttempts,
  MaxDelaySeconds: 20,
  JitterStrategy: "FULL",
});

/**
 * A dependency that could not be reached (a database restarting, a network cut) is waited out for
 * about two minutes: waiting costs nothing, and giving up would fail an order for no reason of its own.
 */
const retryUnreachable = {
  ErrorEquals: [...UNREACHABLE_ERRORS],
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 6,
  MaxDelaySeconds: 60,
  JitterStrategy: "FULL",
};

/** SNS publishes are idempotent enough to retry on any error: a duplicate alert beats a lost one. */
const retryPublish = {
  ErrorEquals: ["States.ALL"],
  IntervalSeconds: 1,
  BackoffRate: 2,
  MaxAttempts: 3,
  JitterStrategy: "FULL",
};

/** Business errors and anything unexpected go to the failure path, with the error kept at $.error. */
const catchToFailure = (next: string) => [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next }];

type States = Record<string, StateDefinition>;

/** ValidateOrder → ProcessPayment → UpdateInventory: the seed's happy path. */
function happyPathStates(r: WorkflowResources): States {
  return {
    [STATES.validateOrder]: {
      Type: "Task",
      Resource: r.functionArn("ValidateOrder"),
      // The whole execution input: the order id, and its items when the queue message carried them.
      InputPath: "$",
      ResultPath: "$.order",
      Retry: [retryUnreachable, retryTransient(3)],
      Catch: catchToFailure(STATES.classifyFailure),
      Next: STATES.processPayment,
    },
    [STATES.processPayment]: {
      Type: "Task",
      Resource: r.functionArn("ProcessPayment"),
      Parameters: {
        action: "charge",
        "orderId.$": "$.orderId",
        "amountMinor.$": "$.order.totalMinor",
        "currency.$": "$.order.currency",
        "lines.$": "$.order.lines",
      },
      ResultPath: "$.payment",
      Retry: [retryUnreachable, retryTransient(4)],
      Catch: catchToFailure(STATES.classifyFailure),
      Next: STATES.paymentSettled,
    },
    // Only settled money reserves stock: a payment waiting for the customer or settling waits first.
    [STATES.paymentSettled]: {
      Type: "Choice",
      Choices: [{ Variable: "$.payment.status", StringEquals: "CHARGED", Next: STATES.updateInventory }],
      Default: STATES.awaitPaymentOutcome,
    },
    [STATES.updateInventory]: {
      Type: "Task",
      Resource: r.functionArn("UpdateInventory"),
      Parameters: { "orderId.$": "$.orderId", "items.$": "$.order.items" },
      ResultPath: "$.inventory",
      Retry: [retryUnreachable, retryTransient(3)],
      // Payment was taken: every failure from here on is compensated (stock, then payment) first.
      Catch: catchToFailure(STATES.releaseInventory),
      End: true,
    },
  };
}

/** A failure the workflow names itself, shaped as a Lambda error ($.error: Error, Cause JSON). */
function namedFailure(error: string, message: string, next: string): StateDefinition {
  return {
    Type: "Pass",
    Result: { Error: error, Cause: JSON.stringify({ errorType: error, errorMessage: message }) },
    ResultPath: "$.error",
    Next: next,
  };
}

/**
 * A payment the provider has not settled: PaymentEvents keeps the step's task token with the order
 * and resumes it when the provider's event arrives (SendTaskSuccess with the charge, or
 * SendTaskFailure PaymentFailed). No outcome in time, or a failure: the payment is canceled at the
 * provider (refunded if it settled meanwhile) and the order fails without reserving stock.
 */
function paymentWaitStates(r: WorkflowResources): States {
  return {
    [STATES.awaitPaymentOutcome]: {
      Type: "Task",
      Resource: LAMBDA_INVOKE_WAIT_FOR_TOKEN,
      Parameters: {
        FunctionName: r.functionArn("PaymentEvents"),
        Payload: {
          action: "await",
          "orderId.$": "$.orderId",
          "chargeId.$": "$.payment.chargeId",
          "taskToken.$": "$$.Task.Token",
        },
      },
      TimeoutSeconds: r.paymentActionTimeoutSeconds,
      ResultPath: "$.payment",
      // Only the invoke itself is retried; an outcome is never asked for twice.
      Retry: [{ ...retryTransient(3), ErrorEquals: [...LAMBDA_SERVICE_ERRORS] }],
      Catch: [
        { ErrorEquals: ["States.Timeout"], ResultPath: null, Next: STATES.paymentActionTimedOut },
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATES.cancelPayment },
      ],
      Next: STATES.updateInventory,
    },
    [STATES.paymentActionTimedOut]: namedFailure(
      "PaymentActionTimedOut",
      "The payment authentication was not completed in time.",
      STATES.cancelPayment,
    ),
  };
}

/** The payment's end when the order fails before its money settled: canceled, or refunded if it did. */
function paymentCancellationStates(r: WorkflowResources): States {
  return {
    [STATES.cancelPayment]: {
      Type: "Task",
      Resource: r.functionArn("ProcessPayment"),
      Parameters: { action: "cancel", "orderId.$": "$.orderId", "reason.$": "$.error.Error" },
      ResultPath: "$.cancellation",
      Retry: [retryUnreachable, retryTransient(5)],
      Catch: [
        {
          ErrorEquals: ["States.ALL"],
          ResultPath: "$.cancellationError",
          Next: STATES.notifyCancellationFailure,
        },
      ],
      Next: STATES.classifyFailure,
    },
    [STATES.notifyCancellationFailure]: criticalAlert(
      r,
      "States.Format('Payment cancellation failed for order {}', $.orderId)",
      "States.Format('Order {} is failing without its payment, but the payment could not be canceled: {}. Cancel it (or refund it, if it settled) at the payment provider by hand.', $.orderId, $.cancellationError.Cause)",
      STATES.classifyFailure,
    ),
  };
}

/** Express cannot wait: a payment that needs the customer is canceled and the order fails. */
function expressPaymentStates(): States {
  return {
    [STATES.paymentCannotWait]: namedFailure(
      "PaymentRequiresAction",
      "The payment needs the customer's authentication, which this store cannot wait for.",
      STATES.cancelPayment,
    ),
  };
}

/** An alert to CriticalAlertsTopic: a person has to act. */
function criticalAlert(
  r: WorkflowResources,
  subject: string,
  message: string,
  next: string,
): StateDefinition {
  return {
    Type: "Task",
    Resource: SNS_PUBLISH,
    Parameters: { TopicArn: r.criticalAlertsTopicArn, "Subject.$": subject, "Message.$": message },
    ResultPath: null,
    Retry: [retryPublish],
    Next: next,
  };
}

/** The saga's compensation after the charge: give stock back, then refund; alert when either fails. */
function compensationStates(r: WorkflowResources): States {
  return {
    [STATES.releaseInventory]: {
      Type: "Task",
      Resource: r.functionArn("UpdateInventory"),
      // Gives stock back only if this order's reservation committed (e.g. before a timeout).
      Parameters: { action: "release", "orderId.$": "$.orderId", "items.$": "$.order.items" },
      ResultPath: "$.release",
      Retry: [retryUnreachable, retryTransient(5)],
      // The refund must happen even if the stock could not be given back.
      Catch: [
        { ErrorEquals: ["States.ALL"], ResultPath: "$.releaseError", Next: STATES.notifyReleaseFailure },
      ],
      Next: STATES.refundPayment,
    },
    [STATES.notifyReleaseFailure]: criticalAlert(
      r,
      "States.Format('Stock release failed for order {}', $.orderId)",
      "States.Format('Order {} failed after its payment was taken and its stock could not be given back: {}. Check the stock of its items by hand; the payment is being refunded.', $.orderId, $.releaseError.Cause)",
      STATES.refundPayment,
    ),
    [STATES.refundPayment]: {
      Type: "Task",
      Resource: r.functionArn("ProcessPayment"),
      Parameters: { action: "refund", "orderId.$": "$.orderId" },
      ResultPath: "$.refund",
      Retry: [retryUnreachable, retryTransient(5)],
      Catch: [
        {
          ErrorEquals: ["States.ALL"],
          ResultPath: "$.compensationError",
          Next: STATES.notifyCompensationFailure,
        },
      ],
      Next: STATES.classifyFailure,
    },
    [STATES.notifyCompensationFailure]: criticalAlert(
      r,
      "States.Format('Refund failed for order {}', $.orderId)",
      "States.Format('Order {} could not be fulfilled after its payment was taken, and the automatic refund failed: {}. Refund the customer by hand.', $.orderId, $.compensationError.Cause)",
      STATES.classifyFailure,
    ),
  };
}

/** Business or unexpected: both end with a message fit for people at $.failure. */
function classificationStates(): States {
  return {
    [STATES.classifyFailure]: {
      Type: "Choice",
      Choices: [
        {
          Or: BUSINESS_ERRORS.map((name) => ({ Variable: "$.error.Error", StringEquals: name })),
          Next: STATES.describeBusinessFailure,
        },
      ],
      Default: STATES.describeUnexpectedFailure,
    },
    [STATES.describeBusinessFailure]: {
      Type: "Pass",
      // A Lambda error's Cause is JSON: {"errorType","errorMessage",…}; the message is for people.
      Parameters: { "code.$": "$.error.Error", "cause.$": "States.StringToJson($.error.Cause)" },
      ResultPath: "$.failure",
      Next: STATES.orderFailed,
    },
    [STATES.describeUnexpectedFailure]: {
      Type: "Pass",
      Parameters: {
        "code.$": "$.error.Error",
        cause: {
          "errorMessage.$":
            "States.Format('The order could not be processed because of an internal error ({}).', $.error.Error)",
        },
      },
      ResultPath: "$.failure",
      Next: STATES.countUnexpectedFailure,
    },
    [STATES.countUnexpectedFailure]: countUnexpected(STATES.orderFailed),
  };
}

/**
 * Counts a failure that is not the customer's (UnexpectedOrderFailures, paged): a declined card, an
 * unknown product, short stock or an abandoned authentication never pass here. Best effort: the
 * order's failure is recorded whether or not the count lands.
 */
function countUnexpected(next: string): StateDefinition {
  return {
    Type: "Task",
    Resource: CLOUDWATCH_PUT_METRIC_DATA,
    Parameters: {
      Namespace: METRICS_NAMESPACE,
      MetricData: [{ MetricName: UNEXPECTED_FAILURE_METRIC, Value: 1, Unit: "Count" }],
    },
    ResultPath: null,
    Retry: [retryPublish],
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: next }],
    Next: next,
  };
}

/**
 * Records FAILED on the order with the order module's attribute names, only while the order is still
 * on its way; a store that cannot be written is counted and ends the execution unannounced.
 */
function orderFailedState(r: WorkflowResources): StateDefinition {
  const a = ORDER_ATTRIBUTES;
  return {
    Type: "Task",
    Resource: DYNAMODB_UPDATE_ITEM,
    Parameters: {
      TableName: r.ordersTableName,
      Key: { [ORDERS_TABLE.partitionKey]: { "S.$": "$.orderId" } },
      UpdateExpression: `SET #status = :failed, ${a.failureCode} = :code, ${a.failureReason} = :reason, ${a.failedBy} = :execution, ${a.updatedAt} = :now`,
      // Only an order still on its way fails: a second run of a finished one changes nothing. This
      // execution's own retry (its first write landed, the answer was lost) records it again.
      ConditionExpression: `attribute_exists(${ORDERS_TABLE.partitionKey}) AND (#status IN (:pending, :processing) OR ${a.failedBy} = :execution)`,
      ExpressionAttributeNames: { "#status": a.status },
      ExpressionAttributeValues: {
        ":execution": { "S.$": "$$.Execution.Id" },
        ":pending": { S: "PENDING" },
        ":processing": { S: "PROCESSING" },
        ":failed": { S: "FAILED" },
        ":code": { "S.$": "$.failure.code" },
        ":reason": { "S.$": "$.failure.cause.errorMessage" },
        ":now": { "S.$": "$$.State.EnteredTime" },
      },
    },
    ResultPath: null,
    Retry: [
      {
        ErrorEquals: [
          "DynamoDB.ProvisionedThroughputExceededException",
          "DynamoDB.ThrottlingException",
          "DynamoDB.InternalServerErrorException",
          "DynamoDB.DependencyUnavailable",
        ],
        IntervalSeconds: 1,
        BackoffRate: 2,
        MaxAttempts: 5,
        JitterStrategy: "FULL",
      },
    ],
    Catch: [
      // The order already ended (CONFIRMED or FAILED by another run of its workflow, which Express
      // mode can start twice) or never existed: nothing to record, nobody to tell again.
      {
        ErrorEquals: ["DynamoDB.ConditionalCheckFailedException"],
        ResultPath: "$.recordError",
        Next: STATES.alreadyFinished,
      },
      // Anything else: the record does not say FAILED, so nobody is told it failed. The order stays
      // as it was, to be resumed (locally on start; deployed by reconciliation).
      { ErrorEquals: ["States.ALL"], ResultPath: "$.recordError", Next: STATES.countUnrecordedFailure },
    ],
    Next: STATES.notifyOrderFailure,
  };
}

/** Records FAILED on the order, announces it, ends the execution. */
function failureStates(r: WorkflowResources): States {
  return {
    [STATES.orderFailed]: orderFailedState(r),
    [STATES.countUnrecordedFailure]: countUnexpected(STATES.failureNotRecorded),
    [STATES.failureNotRecorded]: {
      Type: "Fail",
      Error: "OrderFailureNotRecorded",
      Cause:
        "The order's FAILED status could not be recorded; no failure was announced and the order was left as it was.",
    },
    [STATES.alreadyFinished]: { Type: "Succeed" },
    [STATES.notifyOrderFailure]: {
      Type: "Task",
      Resource: SNS_PUBLISH,
      Parameters: {
        TopicArn: r.orderErrorTopicArn,
        "Subject.$": "States.Format('Order {} failed', $.orderId)",
        "Message.$":
          "States.Format('Order {} failed ({}): {}', $.orderId, $.failure.code, $.failure.cause.errorMessage)",
      },
      ResultPath: null,
      Retry: [retryPublish],
      Next: STATES.orderProcessingFailed,
    },
    [STATES.orderProcessingFailed]: {
      Type: "Fail",
      ErrorPath: "$.failure.code",
      CausePath: "$.failure.cause.errorMessage",
    },
  };
}

/**
 * Express only: after UpdateInventory, and after the failure is announced, the workflow puts its own
 * end-of-order event on the default bus (events.ts documents its shape).
 */
function announce(
  r: WorkflowResources,
  event: keyof typeof ORDER_WORKFLOW_EVENTS,
  next?: string,
): StateDefinition {
  const { detailType, status } = ORDER_WORKFLOW_EVENTS[event];
  return {
    Type: "Task",
    Resource: EVENTS_PUT_EVENTS,
    Parameters: {
      Entries: [
        {
          EventBusName: r.eventBusArn,
          Source: ORDER_WORKFLOW_EVENT_SOURCE,
          DetailType: detailType,
          Detail: {
            "orderId.$": "$.orderId",
            status,
            "executionArn.$": "$$.Execution.Id",
            "stateMachineArn.$": "$$.StateMachine.Id",
            "name.$": "$$.Execution.Name",
          },
        },
      ],
    },
    ResultPath: null,
    Retry: [retryPublish],
    ...(next ? { Next: next } : { End: true }),
  };
}

/**
 * How long an order may take, start to end: Standard's 15 minutes (plus the wait for a payment's
 * outcome, see workflowTimeoutSeconds), or within Express's 5.
 */
export const WORKFLOW_TIMEOUT_SECONDS: Readonly<Record<WorkflowType, number>> = {
  STANDARD: 900,
  EXPRESS: EXPRESS_MAX_DURATION_SECONDS - 10,
};

/** The execution's timeout: a Standard order may also wait for its payment's outcome. */
export function workflowTimeoutSeconds(type: WorkflowType, paymentActionTimeoutSeconds: number): number {
  return type === "EXPRESS"
    ? WORKFLOW_TIMEOUT_SECONDS.EXPRESS
    : WORKFLOW_TIMEOUT_SECONDS.STANDARD + paymentActionTimeoutSeconds;
}

/** Express: how long one call of a service integration (SNS, DynamoDB, EventBridge) may take. */
export const EXPRESS_INTEGRATION_TIMEOUT_SECONDS = 5;

type Retrier = { readonly ErrorEquals: readonly string[] } & Record<string, unknown>;

/**
 * One retrier in place of a task's retriers, with a given number of retries at most 2 s apart; its
 * errors are all of theirs (States.ALL alone when one of them catches everything).
 */
function mergedRetrier(
  retriers: readonly Retrier[],
  maxAttempts: number,
  extra: readonly string[] = [],
): Retrier {
  const errors = [...new Set([...retriers.flatMap((r) => r.ErrorEquals), ...extra])];
  return {
    ErrorEquals: errors.includes("States.ALL") ? ["States.ALL"] : errors,
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: maxAttempts,
    MaxDelaySeconds: 2,
    JitterStrategy: "FULL",
  };
}

/**
 * Express's 5 minutes must hold the worst case (budget.ts proves it in a test): a Lambda
 * task is retried once (its function's own timeout bounds each attempt); a service integration gets
 * a 5 s timeout and two retries, a timed-out call included.
 */
function withExpressLimits(states: States): States {
  return Object.fromEntries(
    Object.entries(states).map(([name, state]) => {
      if (state.Type !== "Task") return [name, state];
      const retriers = (state.Retry ?? []) as Retrier[];
      const integration = String(state.Resource).startsWith("arn:aws:states:::");
      return [
        name,
        integration
          ? {
              ...state,
              TimeoutSeconds: EXPRESS_INTEGRATION_TIMEOUT_SECONDS,
              Retry: [mergedRetrier(retriers, 2, ["States.Timeout"])],
            }
          : { ...state, Retry: [mergedRetrier(retriers, 1)] },
      ];
    }),
  );
}

/** Express: the happy path and the failure announcement end by putting the order's event on the bus. */
function expressAnnouncements(r: WorkflowResources, states: States): States {
  const updateInventory: StateDefinition = {
    ...states[STATES.updateInventory],
    Next: STATES.announceConfirmed,
  };
  delete updateInventory.End;
  return {
    ...states,
    [STATES.updateInventory]: updateInventory,
    [STATES.announceConfirmed]: announce(r, "confirmed"),
    [STATES.notifyOrderFailure]: { ...states[STATES.notifyOrderFailure], Next: STATES.announceFailed },
    [STATES.announceFailed]: announce(r, "failed", STATES.orderProcessingFailed),
  };
}

/**
 * The order workflow. STANDARD (default) is the seed's design; EXPRESS runs the same states and
 * saga, announces its own end on EventBridge, and fits its retries in Express's 5 minutes.
 */
export function buildOrderWorkflowDefinition(
  resources: WorkflowResources,
  type: WorkflowType = DEFAULT_WORKFLOW_TYPE,
): WorkflowDefinition {
  // Standard waits for a payment's outcome; Express cannot, and fails such a payment at once.
  const happyPath = happyPathStates(resources);
  const waiting: States =
    type === "EXPRESS"
      ? {
          ...expressPaymentStates(),
          [STATES.paymentSettled]: { ...happyPath[STATES.paymentSettled], Default: STATES.paymentCannotWait },
        }
      : paymentWaitStates(resources);
  const states: States = {
    ...happyPath,
    ...waiting,
    ...paymentCancellationStates(resources),
    ...compensationStates(resources),
    ...classificationStates(),
    ...failureStates(resources),
  };
  return {
    Comment:
      "Order processing saga: validate, charge (waiting for a payment's outcome when it needs the customer or settles later), reserve stock; cancel an unsettled payment or refund when a later step fails; record and announce failures.",
    StartAt: STATES.validateOrder,
    TimeoutSeconds: workflowTimeoutSeconds(type, resources.paymentActionTimeoutSeconds),
    States: type === "EXPRESS" ? withExpressLimits(expressAnnouncements(resources, states)) : states,
  };
}
