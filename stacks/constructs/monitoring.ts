import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import {
  CloudwatchMetricAlarm,
  type CloudwatchMetricAlarmConfig,
} from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Fn, Token, type IResolvable } from "cdktf";
import { Construct } from "constructs";
import { WAF_MANAGED_RULE_GROUPS, WAF_RULES } from "./api-firewall";
import { functionSpec, type FunctionId } from "../../lambdas/platform/contracts";
import { METRICS_NAMESPACE } from "../../lambdas/platform/config";
import { BUSINESS_ERRORS_METRIC } from "../../lambdas/platform/observability";
import { UNEXPECTED_FAILURE_METRIC } from "../../lambdas/workflow/definition";

export interface MonitoringProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly alarmTopicArn: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly confirmationDeadLetterQueueName: string;
  readonly orderStreamDeadLetterQueueName: string;
  readonly orderEventsDeadLetterQueueName: string;
  readonly queueDepthThreshold: number;
  readonly stateMachineArn: string;
  readonly apiName: string;
  readonly stageName: string;
  readonly functionNames: readonly { readonly id: FunctionId; readonly name: string }[];
  /** decline_rate_alarm_percent: DeclineRateAlarm's threshold. */
  readonly declineRateAlarmPercent: number;
  /** enable_waf and the web ACL's name: its alarm and dashboard row. */
  readonly firewall: { readonly enabled: boolean | IResolvable; readonly webAclName: string };
}

type AlarmSettings = Omit<CloudwatchMetricAlarmConfig, "alarmActions" | "okActions" | "alarmName"> & {
  readonly suffix: string;
  /** Its section of docs/RUNBOOK.md (the heading's anchor); the logical id, lower-cased, by default. */
  readonly runbook?: string;
};

/** Where every alarm's description sends the person it pages. */
export const RUNBOOK_PATH = "docs/RUNBOOK.md";

/** A function's Powertools service (its folder's name): the `service` dimension of its metrics. */
const serviceOf = (id: FunctionId) => functionSpec(id).folder;
const RECONCILER_SERVICE = serviceOf("ReconcileOrders");
const PAYMENT_RECONCILER_SERVICE = serviceOf("ReconcilePayments");
const PAYMENT_SERVICE = serviceOf("ProcessPayment");
const PAYMENT_EVENTS_SERVICE = serviceOf("PaymentEvents");

/** DeclineRateAlarm looks only at windows with at least this many payment attempts. */
export const DECLINE_RATE_MIN_ATTEMPTS = 20;
/** A misconfigured endpoint secret, or someone forging Stripe's events. */
export const WEBHOOK_REJECTIONS_THRESHOLD = 10;
/** PaymentActionTimeoutRateAlarm: this share of waiting payments abandoned in an hour (at least 10 waited). */
export const PAYMENT_ACTION_TIMEOUT_PERCENT = 50;
export const PAYMENT_ACTION_MIN_STARTED = 10;

type CountMetric = { namespace: string; metricName: string; dimensions: Record<string, string> };

/** Alarms that page CriticalAlertsTopic, and the EcommerceProcessingDashboard. */
/** Any message in a dead-letter queue: the queue's visible messages above 0 in a minute. */
export function deadLetterAlarmOf(queueName: string) {
  return {
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queueName },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  };
}

export class Monitoring extends Construct {
  readonly alarms: CloudwatchMetricAlarm[] = [];
  readonly dashboard: CloudwatchDashboard;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: MonitoringProps,
  ) {
    super(scope, id);
    this.queueAlarms();
    this.workflowAndApiAlarms();
    this.stuckOrdersAlarm();
    this.paymentMismatchesAlarm();
    this.lowStockAlertsAlarm();
    this.paymentAlarms();
    this.functionAlarms();
    this.emailAlarms();
    this.firewallAlarm();
    this.dashboard = new CloudwatchDashboard(this, "Dashboard", {
      dashboardName: `${props.namePrefix}-EcommerceProcessingDashboard`,
      dashboardBody: JSON.stringify(
        dashboardBody(
          props,
          // A counted alarm (WAF's) has no ARN when it does not exist: the widget lists the others.
          this.alarms.filter((a) => a.count === undefined).map((a) => a.arn),
        ),
      ),
    });
    this.dashboard.overrideLogicalId("EcommerceProcessingDashboard");
  }

  /** One alarm under its seed-style logical id, paging CriticalAlertsTopic on ALARM and OK. */
  private alarm(logicalId: string, settings: AlarmSettings): CloudwatchMetricAlarm {
    const { suffix, runbook = logicalId.toLowerCase(), ...config } = settings;
    const resource = new CloudwatchMetricAlarm(this, logicalId, {
      ...config,
      alarmDescription: `${config.alarmDescription ?? ""} Runbook: ${RUNBOOK_PATH}#${runbook}`.trim(),
      alarmName: `${this.props.namePrefix}-${suffix}`,
      alarmActions: [this.props.alarmTopicArn],
      okActions: [this.props.alarmTopicArn],
    });
    resource.overrideLogicalId(logicalId);
    this.alarms.push(resource);
    return resource;
  }

  /** The name of an alarm by its logical id (what a release watches). */
  alarmName(logicalId: string): string {
    const alarm = this.alarms.find((a) => a.node.id === logicalId);
    if (!alarm) throw new Error(`No alarm ${logicalId}`);
    return alarm.alarmName;
  }

  /** Any message in a dead-letter queue needs a person. */
  private deadLetterAlarm(
    logicalId: string,
    suffix: string,
    queueName: string,
    alarmDescription: string,
  ): void {
    this.alarm(logicalId, { suffix, alarmDescription, ...deadLetterAlarmOf(queueName) });
  }

  /** "At least `threshold` in 5 minutes": for counts of bad events, where no data means none happened. */
  private countAlarm(
    logicalId: string,
    suffix: string,
    alarmDescription: string,
    metric: CountMetric,
    threshold: number,
    runbook?: string,
  ): void {
    this.alarm(logicalId, {
      suffix,
      alarmDescription,
      runbook,
      ...metric,
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
  }

  /** OrdersQueue falling behind, and both dead-letter queues. */
  private queueAlarms(): void {
    const props = this.props;
    this.alarm("OrdersQueueDepthAlarm", {
      suffix: "orders-queue-depth",
      alarmDescription: `More than ${props.queueDepthThreshold} orders are waiting in OrdersQueue: the consumer is falling behind.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: props.queueName },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 2,
      threshold: props.queueDepthThreshold,
      comparisonOperator: "GreaterThanThreshold",
      // SQS publishes this metric even when idle: missing data means CloudWatch is missing data, not load.
      treatMissingData: "notBreaching",
    });
    this.deadLetterAlarm(
      "OrdersDeadLetterQueueNotEmptyAlarm",
      "orders-dlq-not-empty",
      props.deadLetterQueueName,
      "Orders reached the dead-letter queue: they were not started after every retry. Inspect and redrive.",
    );
    this.deadLetterAlarm(
      "ConfirmationDeadLetterQueueNotEmptyAlarm",
      "order-confirmation-dlq-not-empty",
      props.confirmationDeadLetterQueueName,
      "Order status changes could not be delivered or handled: a succeeded order is paid but not marked CONFIRMED (or its customer not mailed), a failed order's customer was not told. Inspect and replay.",
    );
    this.deadLetterAlarm(
      "OrderStreamDeadLetterQueueNotEmptyAlarm",
      "order-stream-dlq-not-empty",
      props.orderStreamDeadLetterQueueName,
      "The outbox pipe could not queue recorded orders: they stay PENDING until a replay of their request (or a redrive) queues them.",
    );
    this.deadLetterAlarm(
      "OrderEventsDeadLetterQueueNotEmptyAlarm",
      "order-events-dlq-not-empty",
      props.orderEventsDeadLetterQueueName,
      "OrderEventsLambda could not put a committed change's events on the order event bus after its retries: subscribers miss them until they are published again.",
    );
  }

  /**
   * Orders that failed for a reason that is not the customer's (the workflow counts them on its
   * unexpected-failure path), timed-out executions, and the API's 5XX answers. A declined card, an
   * unknown product, short stock or an abandoned authentication ends an execution FAILED too, and
   * pages nobody.
   */
  private workflowAndApiAlarms(): void {
    const props = this.props;
    const workflow = { namespace: "AWS/States", dimensions: { StateMachineArn: props.stateMachineArn } };
    this.countAlarm(
      "OrderProcessingWorkflowFailureAlarm",
      "order-workflow-unexpected-failures",
      "Orders failed for an unexpected reason (an internal error, not a decline, a missing product, short stock or an abandoned authentication).",
      { namespace: METRICS_NAMESPACE, metricName: UNEXPECTED_FAILURE_METRIC, dimensions: {} },
      1,
    );
    this.countAlarm(
      "OrderProcessingWorkflowTimeoutAlarm",
      "order-workflow-timeouts",
      "Order workflow executions timed out.",
      { ...workflow, metricName: "ExecutionsTimedOut" },
      1,
    );
    this.countAlarm(
      "ApiServerErrorsAlarm",
      "api-5xx",
      "The order API answered 5XX errors.",
      {
        namespace: "AWS/ApiGateway",
        metricName: "5XXError",
        dimensions: { ApiName: props.apiName, Stage: props.stageName },
      },
      5,
    );
  }

  /** Orders the reconciler found stuck: a lost message or an execution that never started or ended. */
  private stuckOrdersAlarm(): void {
    this.countAlarm(
      "StuckOrdersAlarm",
      "stuck-orders",
      "Orders stayed PENDING or PROCESSING past stuck_order_minutes. PENDING ones were restarted; PROCESSING ones need a person.",
      {
        namespace: METRICS_NAMESPACE,
        metricName: "StuckOrders",
        dimensions: { service: RECONCILER_SERVICE },
      },
      1,
    );
  }

  /** The daily reconciliation found money and orders that disagree: a person checks each finding. */
  private paymentMismatchesAlarm(): void {
    this.countAlarm(
      "PaymentMismatchesAlarm",
      "payment-mismatches",
      "The daily payment reconciliation found a charge without its order, an order without its charge, or amounts or refunds that disagree.",
      {
        namespace: METRICS_NAMESPACE,
        metricName: "PaymentMismatches",
        dimensions: { service: PAYMENT_RECONCILER_SERVICE },
      },
      1,
    );
  }

  /**
   * A product ran low and its message could not be sent (UpdateInventory after a sale, CatalogAdmin
   * after an adjustment): the change stands, nobody was told. One alarm over both functions.
   */
  private lowStockAlertsAlarm(): void {
    const unsent = (id: string, service: string) => ({
      id,
      returnData: false,
      metric: {
        namespace: METRICS_NAMESPACE,
        metricName: "LowStockAlertsNotSent",
        dimensions: { service },
        period: 300,
        stat: "Sum",
      },
    });
    this.alarm("LowStockAlertsNotSentAlarm", {
      suffix: "low-stock-alerts-not-sent",
      alarmDescription:
        "A product's stock went to or below its low-stock threshold and the message to OrderAlertsTopic could not be sent: nobody was told.",
      metricQuery: [
        unsent("sales", serviceOf("UpdateInventory")),
        unsent("adjustments", serviceOf("CatalogAdmin")),
        {
          id: "unsent",
          label: "Low-stock messages not sent",
          returnData: true,
          expression: "FILL(sales, 0) + FILL(adjustments, 0)",
        },
      ],
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
  }

  /**
   * SES reviews an account whose bounce rate passes 5% or complaint rate 0.1%, and may pause its
   * sending above 10% / 0.5%: page before that, at the review thresholds. (Account-wide metrics.)
   */
  private emailAlarms(): void {
    const reputation = (
      logicalId: string,
      suffix: string,
      metricName: string,
      threshold: number,
      what: string,
    ) =>
      this.alarm(logicalId, {
        suffix,
        alarmDescription: `The SES ${what} rate reached ${threshold * 100}%: AWS reviews the account at this level and may pause its sending (customer e-mail stops). See the README's notifications section.`,
        namespace: "AWS/SES",
        metricName,
        statistic: "Maximum",
        period: 3600,
        evaluationPeriods: 1,
        threshold,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      });
    reputation("EmailBounceRateAlarm", "email-bounce-rate", "Reputation.BounceRate", 0.05, "bounce");
    reputation(
      "EmailComplaintRateAlarm",
      "email-complaint-rate",
      "Reputation.ComplaintRate",
      0.001,
      "complaint",
    );
  }

  /** A surge of requests WAF blocked: an attack, or a rule blocking real customers. */
  private firewallAlarm(): void {
    const { enabled, webAclName } = this.props.firewall;
    const alarm = this.alarm("WafBlockedRequestsSurgeAlarm", {
      suffix: "waf-blocked-surge",
      alarmDescription:
        "AWS WAF blocked more than 500 requests in 5 minutes: an attack, or a rule blocking customers. Check the sampled requests of the web ACL and the aws-waf-logs log group.",
      namespace: "AWS/WAFV2",
      metricName: "BlockedRequests",
      dimensions: { WebACL: webAclName, Region: this.props.region, Rule: "ALL" },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 500,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
    alarm.count = Token.asNumber(Fn.conditional(enabled, 1, 0));
  }

  /** Errors and throttles of every function. */
  /**
   * Payment outcomes that need a person: declines far above normal (a broken integration, card
   * testing), rejected webhook signatures (a wrong secret, forged events), and customers abandoning
   * authentication in numbers (a broken 3-D Secure flow in the storefront).
   */
  private paymentAlarms(): void {
    const metric = (id: string, metricName: string, service: string, period: number) => ({
      id,
      returnData: false,
      metric: {
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensions: { service },
        period,
        stat: "Sum",
      },
    });
    const rate = (numerator: string, denominator: string, minimum: number, label: string) => ({
      id: "rate",
      label,
      returnData: true,
      expression: `IF(${denominator} >= ${minimum}, 100 * ${numerator} / ${denominator}, 0)`,
    });
    this.alarm("DeclineRateAlarm", {
      suffix: "payment-decline-rate",
      alarmDescription: `More than decline_rate_alarm_percent of payment attempts were declined over 15 minutes (with at least ${DECLINE_RATE_MIN_ATTEMPTS} attempts): a broken payment integration or card testing, not routine declines.`,
      metricQuery: [
        metric("declined", "PaymentsDeclined", PAYMENT_SERVICE, 900),
        metric("attempted", "PaymentsAttempted", PAYMENT_SERVICE, 900),
        rate("FILL(declined, 0)", "attempted", DECLINE_RATE_MIN_ATTEMPTS, "Declined (% of attempts)"),
      ],
      evaluationPeriods: 1,
      threshold: this.props.declineRateAlarmPercent,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
    this.countAlarm(
      "WebhookSignatureRejectionsAlarm",
      "webhook-signature-rejections",
      `At least ${WEBHOOK_REJECTIONS_THRESHOLD} payment provider events were refused in 5 minutes because their signature did not verify: a wrong endpoint secret (events are lost after Stripe's retries) or forged requests.`,
      {
        namespace: METRICS_NAMESPACE,
        metricName: "WebhookSignaturesRejected",
        dimensions: { service: PAYMENT_EVENTS_SERVICE },
      },
      WEBHOOK_REJECTIONS_THRESHOLD,
    );
    this.alarm("PaymentActionTimeoutRateAlarm", {
      suffix: "payment-action-timeout-rate",
      alarmDescription: `More than ${PAYMENT_ACTION_TIMEOUT_PERCENT}% of payments that waited for the customer (3-D Secure) timed out in an hour (at least ${PAYMENT_ACTION_MIN_STARTED} waited): the storefront may not be completing authentication.`,
      metricQuery: [
        metric("timedOut", "PaymentActionsTimedOut", PAYMENT_SERVICE, 3600),
        metric("started", "PaymentActionsStarted", PAYMENT_SERVICE, 3600),
        rate("FILL(timedOut, 0)", "started", PAYMENT_ACTION_MIN_STARTED, "Timed out (% of waits)"),
      ],
      evaluationPeriods: 1,
      threshold: PAYMENT_ACTION_TIMEOUT_PERCENT,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
  }

  /**
   * A function's errors other than the business outcomes it throws on purpose (Lambda counts those as
   * Errors too): what a release rolls back on. Throttles page separately.
   */
  private functionAlarms(): void {
    for (const fn of this.props.functionNames) {
      const shortName = fn.name.replace(`${this.props.namePrefix}-`, "");
      const lambda = { namespace: "AWS/Lambda", dimensions: { FunctionName: fn.name } };
      this.alarm(`${fn.id}LambdaErrorsAlarm`, {
        suffix: `${shortName}-errors`,
        alarmDescription: `${fn.id}Lambda raised errors other than business outcomes (unhandled exceptions or timeouts).`,
        runbook: "functionerrorsalarms",
        metricQuery: [
          {
            id: "errors",
            returnData: false,
            metric: { ...lambda, metricName: "Errors", period: 300, stat: "Sum" },
          },
          {
            id: "business",
            returnData: false,
            metric: {
              namespace: METRICS_NAMESPACE,
              metricName: BUSINESS_ERRORS_METRIC,
              dimensions: { service: serviceOf(fn.id) },
              period: 300,
              stat: "Sum",
            },
          },
          {
            id: "unexpected",
            label: "Errors that are not business outcomes",
            returnData: true,
            expression: "errors - FILL(business, 0)",
          },
        ],
        evaluationPeriods: 1,
        threshold: 5,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      });
      this.countAlarm(
        `${fn.id}LambdaThrottlesAlarm`,
        `${shortName}-throttles`,
        `${fn.id}Lambda was throttled: concurrency is exhausted.`,
        { ...lambda, metricName: "Throttles" },
        1,
        "functionthrottlesalarms",
      );
    }
  }
}

type Metric = (string | Record<string, unknown>)[];

/** Metric lines of the dashboard, per namespace. */
function metricLines(props: MonitoringProps) {
  return {
    perFunction: (metricName: string, stat: string): Metric[] =>
      props.functionNames.map((fn) => [
        "AWS/Lambda",
        metricName,
        "FunctionName",
        fn.name,
        { stat, label: fn.id },
      ]),
    sfn: (metricName: string, stat = "Sum"): Metric => [
      "AWS/States",
      metricName,
      "StateMachineArn",
      props.stateMachineArn,
      { stat },
    ],
    api: (metricName: string, stat = "Sum"): Metric => [
      "AWS/ApiGateway",
      metricName,
      "ApiName",
      props.apiName,
      "Stage",
      props.stageName,
      { stat },
    ],
    queue: (metricName: string, name: string, stat = "Maximum"): Metric => [
      "AWS/SQS",
      metricName,
      "QueueName",
      name,
      { stat },
    ],
    business: (metricName: string, service: string): Metric => [
      METRICS_NAMESPACE,
      metricName,
      "service",
      service,
      { stat: "Sum" },
    ],
  };
}

/** The web ACL's allowed requests, and its blocked ones by rule. */
function wafMetrics(props: MonitoringProps): Metric[] {
  const acl = ["WebACL", props.firewall.webAclName, "Region", props.region, "Rule"];
  return [
    ["AWS/WAFV2", "AllowedRequests", ...acl, "ALL", { stat: "Sum" }],
    ...["ALL", WAF_RULES.rateLimit, WAF_RULES.bodySize, ...WAF_MANAGED_RULE_GROUPS].map((rule): Metric => [
      "AWS/WAFV2",
      "BlockedRequests",
      ...acl,
      rule,
      { stat: "Sum", label: `blocked: ${rule}` },
    ]),
  ];
}

/** The dashboard's widgets: every Lambda, the queues, the workflow, the API and the alarms. */
export function dashboardBody(props: MonitoringProps, alarmArns: string[]): Record<string, unknown> {
  const widget = (title: string, metrics: Metric[]) => ({
    type: "metric",
    width: 12,
    height: 6,
    properties: { title, region: props.region, view: "timeSeries", stacked: false, period: 60, metrics },
  });
  const { perFunction, sfn, api, queue, business } = metricLines(props);
  const visible = "ApproximateNumberOfMessagesVisible";
  const oldest = "ApproximateAgeOfOldestMessage";
  return {
    widgets: [
      widget("Lambda invocations", perFunction("Invocations", "Sum")),
      widget("Lambda errors", perFunction("Errors", "Sum")),
      widget("Lambda duration p99 (ms)", perFunction("Duration", "p99")),
      widget("Lambda throttles", perFunction("Throttles", "Sum")),
      widget("Queues: visible messages", [
        queue(visible, props.queueName),
        queue(visible, props.deadLetterQueueName),
        queue(visible, props.confirmationDeadLetterQueueName),
        queue(visible, props.orderStreamDeadLetterQueueName),
      ]),
      widget("Queues: age of oldest message (s)", [
        queue(oldest, props.queueName),
        queue(oldest, props.deadLetterQueueName),
      ]),
      widget(
        "Order workflow executions",
        ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"].map((m) =>
          sfn(m),
        ),
      ),
      widget("Order workflow duration (ms)", [sfn("ExecutionTime", "p50"), sfn("ExecutionTime", "p99")]),
      widget("Stuck orders found and restarted (reconciler)", [
        business("StuckOrders", RECONCILER_SERVICE),
        business("OrdersRestarted", RECONCILER_SERVICE),
      ]),
      widget("Payment reconciliation: checked and mismatches (daily)", [
        business("PaymentsReconciled", PAYMENT_RECONCILER_SERVICE),
        business("PaymentMismatches", PAYMENT_RECONCILER_SERVICE),
      ]),
      widget("API requests and errors", [api("Count"), api("4XXError"), api("5XXError")]),
      widget("API latency (ms)", [
        api("Latency", "p50"),
        api("Latency", "p99"),
        api("IntegrationLatency", "p99"),
      ]),
      widget(
        "Customer e-mail (SES): sends, deliveries, bounces, complaints",
        ["Send", "Delivery", "Bounce", "Complaint"].map((m): Metric => ["AWS/SES", m, { stat: "Sum" }]),
      ),
      widget("WAF: allowed and blocked requests by rule", wafMetrics(props)),
      widget("Payments: attempts, declines, waits for the customer, timeouts", [
        business("PaymentsAttempted", PAYMENT_SERVICE),
        business("PaymentsDeclined", PAYMENT_SERVICE),
        business("PaymentActionsStarted", PAYMENT_SERVICE),
        business("PaymentActionsTimedOut", PAYMENT_SERVICE),
        business("PaymentsCanceled", PAYMENT_SERVICE),
      ]),
      widget("Payment provider events: applied, refused signatures; unexpected order failures", [
        business("PaymentEventsCHARGED", PAYMENT_EVENTS_SERVICE),
        business("PaymentEventsFAILED", PAYMENT_EVENTS_SERVICE),
        business("WebhookSignaturesRejected", PAYMENT_EVENTS_SERVICE),
        [METRICS_NAMESPACE, UNEXPECTED_FAILURE_METRIC, { stat: "Sum" }],
      ]),
      widget("Business metrics", [
        business("OrdersPlaced", "order-placement"),
        business("OrdersConfirmed", "order-success-handler"),
        business("PaymentsRefunded", "process-payment"),
        business("CustomerEmailsSent", "order-success-handler"),
        business("CustomerEmailsSuppressed", "order-success-handler"),
      ]),
      { type: "alarm", width: 24, height: 4, properties: { title: "Alarms", alarms: alarmArns } },
    ],
  };
}
