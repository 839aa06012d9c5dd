/**
 * The one builder of OrderProcessingStateMachine's definition (Amazon States Language). The stack
 * passes Terraform references, the local runtime and tests pass local ARNs: all run the same states.
 */
import type { FunctionId } from "../contracts";
import { BUSINESS_ERRORS, LAMBDA_SERVICE_ERRORS, TRANSIENT_ERRORS, UNREACHABLE_ERRORS } from "./errors";
import { ORDER_ATTRIBUTES } from "./order";
import { ORDERS_TABLE } from "./table-definitions";

/**
 * What the definition points at. A Task names a function by the ARN `functionArn(id)` returns; the
 * workflow role and the local task binding are both derived from those Resources (workflow-wiring.ts).
 */
export interface WorkflowResources {
  readonly functionArn: (id: FunctionId) => string;
  readonly ordersTableName: string;
  readonly orderErrorTopicArn: string;
  readonly criticalAlertsTopicArn: string;
}

/** Step Functions' optimized integrations used by the definition. */
export const SNS_PUBLISH = "arn:aws:states:::sns:publish";
export const DYNAMODB_UPDATE_ITEM = "arn:aws:states:::dynamodb:updateItem";

/** State names: users look for these in the console and in the local execution log. */
export const STATES = {
  validateOrder: "ValidateOrder",
  processPayment: "ProcessPayment",
  updateInventory: "UpdateInventory",
  releaseInventory: "ReleaseInventory",
  refundPayment: "RefundPayment",
  notifyReleaseFailure: "NotifyInventoryReleaseFailure",
  notifyCompensationFailure: "NotifyCompensationFailure",
  classifyFailure: "ClassifyFailure",
  describeBusinessFailure: "DescribeBusinessFailure",
  describeUnexpectedFailure: "DescribeUnexpectedFailure",
  orderFailed: "OrderFailed",
  notifyOrderFailure: "NotifyOrderFailure",
  orderProcessingFailed: "OrderProcessingFailed",
  failureNotRecorded: "OrderFailureNotRecorded",
  alreadyFinished: "OrderAlreadyFinished",
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
      Next: STATES.updateInventory,
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
      Next: STATES.orderFailed,
    },
  };
}

/** Records FAILED on the order (the order module's attribute names), announces it, ends the execution. */
function failureStates(r: WorkflowResources): States {
  const a = ORDER_ATTRIBUTES;
  return {
    [STATES.orderFailed]: {
      Type: "Task",
      Resource: DYNAMODB_UPDATE_ITEM,
      Parameters: {
        TableName: r.ordersTableName,
        Key: { [ORDERS_TABLE.partitionKey]: { "S.$": "$.orderId" } },
        UpdateExpression: `SET #status = :failed, ${a.failureCode} = :code, ${a.failureReason} = :reason, ${a.updatedAt} = :now`,
        // Only an order still on its way fails: a second run of a finished one changes nothing.
        ConditionExpression: `attribute_exists(${ORDERS_TABLE.partitionKey}) AND #status IN (:pending, :processing)`,
        ExpressionAttributeNames: { "#status": a.status },
        ExpressionAttributeValues: {
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
        { ErrorEquals: ["States.ALL"], ResultPath: "$.recordError", Next: STATES.failureNotRecorded },
      ],
      Next: STATES.notifyOrderFailure,
    },
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

export function buildOrderWorkflowDefinition(resources: WorkflowResources): WorkflowDefinition {
  return {
    Comment:
      "Order processing saga: validate, charge, reserve stock; refund when stock fails after the charge; record and announce failures.",
    StartAt: STATES.validateOrder,
    TimeoutSeconds: 900,
    States: {
      ...happyPathStates(resources),
      ...compensationStates(resources),
      ...classificationStates(),
      ...failureStates(resources),
    },
  };
}
