/**
 * Least privilege, pinned: every role's permissions in the synthesized stack, statement by statement,
 * against an allow-list written out here by hand. Any added, widened or re-targeted action fails a
 * named test, and so does a function whose environment strays from its contract.
 */
import { FUNCTIONS } from "../../../lambdas/platform/contracts";
import { CONFIG } from "../../../lambdas/platform/config";
import { dataOf, resourcesOf, synthOrderSystem } from "../../support/synth";

const stack = synthOrderSystem("dev");
const ORDERS = "${aws_dynamodb_table.OrdersTable.arn}";
const INVENTORY = "${aws_dynamodb_table.InventoryTable.arn}";
const MOVEMENTS = "${aws_dynamodb_table.StockMovementsTable.arn}";
const CUSTOMER_INDEX = "${aws_dynamodb_table.OrdersTable.arn}/index/customerId-createdAt-index";
const QUEUE = "${aws_sqs_queue.OrdersQueue.arn}";
const TOPIC_KEY = "${aws_kms_key.Messaging_NotificationTopicsKey_A2526125.arn}";
/** Low stock, told on the operators' topic (encrypted with the topics' key). */
const TELL_LOW_STOCK = {
  TellLowStock: { actions: ["sns:Publish"], resources: ["${aws_sns_topic.OrderAlertsTopic.arn}"] },
  EncryptForEncryptedTopic: { actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [TOPIC_KEY] },
};
/** Executions start on the workflow's live alias, never on the bare state machine. */
const STATE_MACHINE =
  "arn:${data.aws_partition.Partition.partition}:states:${data.aws_region.Region.name}:${data.aws_caller_identity.Account.account_id}:stateMachine:ecommerce-dev-order-processing:live";
/** The callback API (SendTaskSuccess/Failure) names the state machine itself, as CDK's grantTaskResponse. */
const BARE_STATE_MACHINE = STATE_MACHINE.replace(/:live$/, "");
const XRAY = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];
const FLOW_LOGS = '${join("", aws_cloudwatch_log_group.FunctionVpcFlowLogGroup[*].arn)}';
const STREAM_READ = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:ListStreams",
];
const ORDER_EVENT_BUS = "${aws_cloudwatch_event_bus.OrderEventBus.arn}";
/** What the workflow and the schedule invoke: a function's live alias. */
const lambda = (id: string) => `\${aws_lambda_alias.${id}LiveAlias.arn}`;

type AllowList = Record<string, { actions: string[]; resources: string[] }>;
const ownLogs = (id: string) => ({
  actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
  resources: [`\${aws_cloudwatch_log_group.${id}LambdaLogGroup.arn}:*`],
});
const functionRole = (id: string, grants: AllowList): AllowList => ({
  WriteOwnLogs: ownLogs(id),
  XRayTracing: { actions: XRAY, resources: ["*"] },
  ...grants,
});

const ALLOWED: Record<string, AllowList> = {
  OrderPlacement: functionRole("OrderPlacement", {
    RecordOrders: {
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      resources: [ORDERS],
    },
    RecordIdempotencyKeys: {
      actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
      resources: ["${aws_dynamodb_table.OrderKeysTable.arn}"],
    },
    // Query on the customer's-orders index only: never a Scan or Query of the whole orders table.
    ListCustomerOrders: { actions: ["dynamodb:Query"], resources: [CUSTOMER_INDEX] },
    // The public catalogue: the list (Scan) and one product (BatchGetItem of its key); no writes.
    ReadProducts: { actions: ["dynamodb:BatchGetItem", "dynamodb:Scan"], resources: [INVENTORY] },
    // No queue access: the orders table's stream queues orders (the Outbox pipe below).
  }),
  // The catalogue's only writer besides the seed and the workflow's stock: products, their stock
  // movements (written, and read by product) and their requests' keys, item by item (no Scan, no
  // DeleteItem, nothing of the orders table); low stock on the operators' topic.
  CatalogAdmin: functionRole("CatalogAdmin", {
    WriteProducts: {
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      resources: [INVENTORY],
    },
    RecordStockMovements: { actions: ["dynamodb:BatchWriteItem", "dynamodb:Query"], resources: [MOVEMENTS] },
    RecordIdempotencyKeys: {
      actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
      resources: ["${aws_dynamodb_table.OrderKeysTable.arn}"],
    },
    ...TELL_LOW_STOCK,
  }),
  StartOrderProcessing: functionRole("StartOrderProcessing", {
    ConsumeOrdersQueue: {
      actions: [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
      ],
      resources: [QUEUE],
    },
    StartOrderWorkflow: { actions: ["states:StartExecution"], resources: [STATE_MACHINE] },
  }),
  ValidateOrder: functionRole("ValidateOrder", {
    // Reads only: ProcessPayment records the priced order when it opens the payment.
    ReadOrders: { actions: ["dynamodb:GetItem"], resources: [ORDERS] },
    ReadInventory: { actions: ["dynamodb:BatchGetItem"], resources: [INVENTORY] },
  }),
  ProcessPayment: functionRole("ProcessPayment", {
    RecordPayments: { actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [ORDERS] },
  }),
  // The payment provider's events: the orders' payments, the event ids it applied (the idempotency
  // table, by key), and resuming waiting steps of this state machine only. Never stock, never a queue.
  PaymentEvents: functionRole("PaymentEvents", {
    RecordPaymentOutcomes: { actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [ORDERS] },
    ApplyEachEventOnce: {
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      resources: ["${aws_dynamodb_table.OrderKeysTable.arn}"],
    },
    ResumeWaitingPayments: {
      actions: ["states:SendTaskSuccess", "states:SendTaskFailure"],
      resources: [BARE_STATE_MACHINE],
    },
    // A dispute pages a person: CriticalAlertsTopic only (encrypted with the topics' key).
    PageDisputes: { actions: ["sns:Publish"], resources: ["${aws_sns_topic.CriticalAlertsTopic.arn}"] },
    EncryptForEncryptedTopic: { actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [TOPIC_KEY] },
  }),
  // Staff refunds: the order's payment and refund trail, and the refund requests by key. Never stock.
  AfterSale: functionRole("AfterSale", {
    RecordOrderChanges: { actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [ORDERS] },
    RecordRefundRequests: {
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      resources: ["${aws_dynamodb_table.OrderKeysTable.arn}"],
    },
    // A cancelled order's stock, given back in one conditional transaction with its
    // movement (in the product's log); a full log is copied to the movements table by batch.
    ReleaseCancelledStock: {
      actions: ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"],
      resources: [INVENTORY],
    },
    RecordStockMovements: { actions: ["dynamodb:BatchWriteItem"], resources: [MOVEMENTS] },
    // Ends a cancelled order's payment wait; it never reports a payment's success.
    StopWaitingPayments: { actions: ["states:SendTaskFailure"], resources: [BARE_STATE_MACHINE] },
    CheckSuppressedAddresses: {
      actions: ["dynamodb:BatchGetItem"],
      resources: ["${aws_dynamodb_table.EmailSuppressionTable.arn}"],
    },
  }),
  UpdateInventory: functionRole("UpdateInventory", {
    DecrementStock: { actions: ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"], resources: [INVENTORY] },
    RecordStockMovements: { actions: ["dynamodb:BatchWriteItem", "dynamodb:Query"], resources: [MOVEMENTS] },
    MarkOrderReserved: { actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [ORDERS] },
    ...TELL_LOW_STOCK,
  }),
  OrderSuccessHandler: functionRole("OrderSuccessHandler", {
    CheckSuppressedAddresses: {
      actions: ["dynamodb:BatchGetItem"],
      resources: ["${aws_dynamodb_table.EmailSuppressionTable.arn}"],
    },
    ConfirmOrders: { actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [ORDERS] },
    AnnounceConfirmedOrders: {
      actions: ["sns:Publish"],
      resources: ["${aws_sns_topic.OrderAlertsTopic.arn}"],
    },
    KeepFailedConfirmations: {
      actions: ["sqs:SendMessage"],
      resources: ["${aws_sqs_queue.ConfirmationDeadLetterQueue.arn}"],
    },
    EncryptForEncryptedTopic: { actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [TOPIC_KEY] },
  }),
  // Only the suppression list: never the orders, never SES.
  EmailFeedback: functionRole("EmailFeedback", {
    SuppressAddresses: {
      actions: ["dynamodb:BatchGetItem", "dynamodb:PutItem"],
      resources: ["${aws_dynamodb_table.EmailSuppressionTable.arn}"],
    },
  }),
  // Finds stuck orders on the status index only (never a Scan), restarts their workflow by name.
  ReconcileOrders: functionRole("ReconcileOrders", {
    FindStuckOrders: {
      actions: ["dynamodb:Query"],
      resources: ["${aws_dynamodb_table.OrdersTable.arn}/index/status-updatedAt-index"],
    },
    RestartOrderWorkflows: { actions: ["states:StartExecution"], resources: [STATE_MACHINE] },
    // One order at a time, by key: whether a PROCESSING order's payment waits for the customer.
    ReadStuckOrders: { actions: ["dynamodb:GetItem"], resources: [ORDERS] },
  }),
  // Read only: orders of the window by the status index, then by key; never a write.
  ReconcilePayments: functionRole("ReconcilePayments", {
    FindRecentOrders: {
      actions: ["dynamodb:Query"],
      resources: ["${aws_dynamodb_table.OrdersTable.arn}/index/status-updatedAt-index"],
    },
    ReadRecentOrders: { actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem"], resources: [ORDERS] },
  }),
  // A customer's data: their orders by the customer index, erased by key (each write conditional on
  // the order's customerId), their keys and the erasure's record, the suppression list, the account.
  CustomerData: functionRole("CustomerData", {
    FindCustomerOrders: {
      actions: ["dynamodb:Query"],
      resources: ["${aws_dynamodb_table.OrdersTable.arn}/index/customerId-createdAt-index"],
    },
    ReadAndEraseCustomerOrders: {
      actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"],
      resources: [ORDERS],
    },
    EraseKeysAndRecordErasures: {
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      resources: ["${aws_dynamodb_table.OrderKeysTable.arn}"],
    },
    HashSuppressedAddress: {
      actions: ["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      resources: ["${aws_dynamodb_table.EmailSuppressionTable.arn}"],
    },
    DeleteCustomerAccount: {
      actions: ["cognito-idp:AdminDeleteUser"],
      resources: ["${aws_cognito_user_pool.CustomerUserPool.arn}"],
    },
  }),
  // EventBridge Scheduler: may invoke the two reconcilers, nothing else.
  Reconciler: {
    InvokeReconcilers: {
      actions: ["lambda:InvokeFunction"],
      resources: [lambda("ReconcileOrders"), lambda("ReconcilePayments")],
    },
  },
  SeedInventory: functionRole("SeedInventory", {
    SeedCatalog: { actions: ["dynamodb:PutItem"], resources: [INVENTORY] },
  }),
  // The order events: both streams read, the bus written (its only writer), failures dead-lettered.
  OrderEvents: functionRole("OrderEvents", {
    ReadOrderChanges: { actions: STREAM_READ, resources: ["${aws_dynamodb_table.OrdersTable.stream_arn}"] },
    ReadStockChanges: {
      actions: STREAM_READ,
      resources: ["${aws_dynamodb_table.InventoryTable.stream_arn}"],
    },
    PublishOrderEvents: { actions: ["events:PutEvents"], resources: [ORDER_EVENT_BUS] },
    DeadLetterUnpublishedChanges: {
      actions: ["sqs:SendMessage"],
      resources: ["${aws_sqs_queue.OrderEventsDeadLetterQueue.arn}"],
    },
  }),
  // The outbox pipe: reads the orders table's stream, sends to OrdersQueue and its own dead-letter queue.
  Outbox: {
    ReadOrderStream: {
      actions: [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
      ],
      resources: ["${aws_dynamodb_table.OrdersTable.stream_arn}"],
    },
    QueueOrders: { actions: ["sqs:SendMessage"], resources: [QUEUE] },
    DeadLetterUndeliveredRecords: {
      actions: ["sqs:SendMessage"],
      resources: ["${aws_sqs_queue.OrderStreamDeadLetterQueue.arn}"],
    },
  },
  // CodeDeploy: moves the functions' live aliases, reads the alarms it rolls back on.
  Release: {
    MoveLiveAliases: {
      actions: ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
      resources: FUNCTIONS.map((f) => lambda(f.id)),
    },
    WatchAlarms: { actions: ["cloudwatch:DescribeAlarms"], resources: ["*"] },
  },
  // VPC flow logs (vpc_mode = create): write to their own log group only.
  Network_VpcFlowLogs: {
    WriteFlowLogs: {
      actions: [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
      ],
      resources: [FLOW_LOGS, `${FLOW_LOGS}:*`],
    },
  },
  Workflow: {
    InvokeWorkflowFunctions: {
      actions: ["lambda:InvokeFunction"],
      // PaymentEvents: the waiting payment step invokes it with a task token.
      resources: ["ValidateOrder", "ProcessPayment", "PaymentEvents", "UpdateInventory"].map(lambda),
    },
    // No resource-level permission exists; held to the namespace by a condition (tested below).
    CountUnexpectedFailures: { actions: ["cloudwatch:PutMetricData"], resources: ["*"] },
    PublishWorkflowNotifications: {
      actions: ["sns:Publish"],
      resources: [
        "${aws_sns_topic.OrderErrorNotificationTopic.arn}",
        "${aws_sns_topic.CriticalAlertsTopic.arn}",
      ],
    },
    EncryptForEncryptedTopics: { actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [TOPIC_KEY] },
    RecordOrderFailure: { actions: ["dynamodb:UpdateItem"], resources: [ORDERS] },
    DeliverExecutionLogs: {
      actions: [
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
      ],
      resources: ["*"],
    },
    XRayTracing: { actions: [...XRAY, "xray:GetSamplingRules", "xray:GetSamplingTargets"], resources: ["*"] },
  },
};

interface Statement {
  sid?: string;
  effect?: string;
  actions?: string[];
  resources?: string[];
}

function granted(role: string): AllowList {
  const documents = Object.entries(dataOf(stack, "aws_iam_policy_document")).filter(([name]) =>
    name.startsWith(`${role}_Role_Permissions_`),
  );
  expect(documents).toHaveLength(1);
  const statements = (documents[0][1].statement ?? []) as Statement[];
  for (const s of statements) expect(s.effect ?? "Allow").toBe("Allow");
  return Object.fromEntries(
    statements.map((s) => [
      s.sid ?? "(no sid)",
      { actions: [...(s.actions ?? [])].sort(), resources: [...(s.resources ?? [])].sort() },
    ]),
  );
}

const sorted = (list: AllowList): AllowList =>
  Object.fromEntries(
    Object.entries(list).map(([sid, s]) => [
      sid,
      { actions: [...s.actions].sort(), resources: [...s.resources].sort() },
    ]),
  );

test.each(Object.keys(ALLOWED).map((role) => [role]))(
  "the %s role is granted exactly its allow-list: no extra or wider action, no other resource",
  (role) => {
    expect(granted(role)).toEqual(sorted(ALLOWED[role]));
  },
);

/** Grants that hold only for one value of a setting, each in its own counted policy. */
const SES_SEND = (resource: string) => ({ actions: ["ses:SendEmail"], resources: [resource] });
/** Customer e-mail: the store's identity and configuration set, and the given templates only. */
const CUSTOMER_EMAIL = (templates: AllowList) => ({
  count: '${(var.customer_emails == "on") ? 1 : 0}',
  grants: {
    SendAsStoreIdentity: SES_SEND(
      '${join("", concat(aws_sesv2_email_identity.SenderDomainIdentity[*].arn, aws_sesv2_email_identity.SenderAddressIdentity[*].arn))}',
    ),
    SendWithConfigurationSet: SES_SEND(
      '${join("", aws_sesv2_configuration_set.CustomerEmailConfigurationSet[*].arn)}',
    ),
    ...templates,
  },
});
const TEMPLATE = (id: string) => SES_SEND(`\${join("", aws_ses_template.${id}[*].arn)}`);
/** Stripe's secret key, only with payment_provider = stripe. */
const STRIPE_KEY = {
  count: '${(var.payment_provider == "stripe") ? 1 : 0}',
  grants: {
    ReadStripeSecretKey: {
      actions: ["secretsmanager:GetSecretValue"],
      resources: ['${join("", aws_secretsmanager_secret.StripeSecretKey[*].arn)}'],
    },
  },
};
const CONDITIONAL: Record<string, { count: string; grants: AllowList }> = {
  // The sender identity, the configuration set and the two templates: nothing else of SES.
  OrderSuccessHandler_When_customerEmails_on: CUSTOMER_EMAIL({
    SendConfirmationTemplate: TEMPLATE("ConfirmationEmailTemplate"),
    SendFailureTemplate: TEMPLATE("FailureEmailTemplate"),
  }),
  // AfterSale mails cancellations, shipments, refunds and returns with their own templates only.
  AfterSale_When_customerEmails_on: CUSTOMER_EMAIL({
    SendCancellationTemplate: TEMPLATE("CancellationEmailTemplate"),
    SendShipmentTemplate: TEMPLATE("ShipmentEmailTemplate"),
    SendRefundTemplate: TEMPLATE("RefundEmailTemplate"),
    SendReturnRequestedTemplate: TEMPLATE("ReturnRequestedEmailTemplate"),
    SendReturnReceivedTemplate: TEMPLATE("ReturnReceivedEmailTemplate"),
    SendReturnRejectedTemplate: TEMPLATE("ReturnRejectedEmailTemplate"),
  }),
  // The reconciliation lists Stripe's payments and refunds with the same key.
  ReconcilePayments_When_paymentGateway_stripe: STRIPE_KEY,
  // AfterSale refunds through Stripe with the same key as ProcessPayment.
  AfterSale_When_paymentGateway_stripe: STRIPE_KEY,
  // Only PaymentEvents reads the webhook endpoint's secret; it reads Stripe's key to read a
  // charge event's payment back (its order and refunds).
  PaymentEvents_When_paymentGateway_stripe: {
    count: '${(var.payment_provider == "stripe") ? 1 : 0}',
    grants: {
      ReadStripeSecretKey: {
        actions: ["secretsmanager:GetSecretValue"],
        resources: ['${join("", aws_secretsmanager_secret.StripeSecretKey[*].arn)}'],
      },
      ReadStripeWebhookSecret: {
        actions: ["secretsmanager:GetSecretValue"],
        resources: ['${join("", aws_secretsmanager_secret.StripeWebhookSecret[*].arn)}'],
      },
    },
  },
  ProcessPayment_When_paymentGateway_stripe: STRIPE_KEY,
};

test("conditional grants are exactly the pinned ones, each counted on its setting", () => {
  const documents = Object.entries(dataOf(stack, "aws_iam_policy_document")).filter(([name]) =>
    name.includes("_When_"),
  );
  expect(documents.map(([name]) => name).sort()).toEqual(Object.keys(CONDITIONAL).sort());
  for (const [name, doc] of documents) {
    expect(doc.count).toBe(CONDITIONAL[name].count);
    const statements = (doc.statement ?? []) as Statement[];
    expect(
      Object.fromEntries(
        statements.map((st) => [
          st.sid ?? "(no sid)",
          { actions: [...(st.actions ?? [])].sort(), resources: [...(st.resources ?? [])].sort() },
        ]),
      ),
    ).toEqual(sorted(CONDITIONAL[name].grants));
    expect(resourcesOf(stack, "aws_iam_role_policy")[`${name}_Policy`]).toMatchObject({ count: doc.count });
  }
});

test("in a VPC only, each function may manage its network interfaces: the EC2 actions Lambda needs, nothing else", () => {
  const docs = dataOf(stack, "aws_iam_policy_document");
  for (const spec of FUNCTIONS) {
    expect(docs[`${spec.id}_VpcAccess`]).toEqual({
      count: '${(var.vpc_mode != "none") ? 1 : 0}',
      statement: [
        {
          sid: "ManageFunctionNetworkInterfaces",
          effect: "Allow",
          actions: [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
          ],
          // EC2 accepts nothing narrower for these.
          resources: ["*"],
        },
      ],
    });
  }
});

test("the Workflow role with workflow_type = EXPRESS: the same but PaymentEvents (Express cannot wait for a payment), plus PutEvents on the default bus only", () => {
  const documents = Object.entries(dataOf(stack, "aws_iam_policy_document")).filter(([name]) =>
    name.startsWith("Workflow_Role_VariantPermissions_"),
  );
  expect(documents).toHaveLength(1);
  const statements = (documents[0][1].statement ?? []) as Statement[];
  const express = Object.fromEntries(
    statements.map((st) => [
      st.sid ?? "(no sid)",
      { actions: [...(st.actions ?? [])].sort(), resources: [...(st.resources ?? [])].sort() },
    ]),
  );
  expect(express).toEqual(
    sorted({
      ...ALLOWED.Workflow,
      InvokeWorkflowFunctions: {
        actions: ["lambda:InvokeFunction"],
        resources: ["ValidateOrder", "ProcessPayment", "UpdateInventory"].map(lambda),
      },
      AnnounceOrderEnd: {
        actions: ["events:PutEvents"],
        resources: [
          "arn:${data.aws_partition.Partition.partition}:events:${data.aws_region.Region.name}:${data.aws_caller_identity.Account.account_id}:event-bus/default",
        ],
      },
    }),
  );
});

test("every role of the stack is pinned above (a new role needs its own allow-list)", () => {
  const roles = Object.keys(resourcesOf(stack, "aws_iam_role"));
  const pinned = Object.keys(ALLOWED).map((role) => `${role}_Role_`);
  // The API Gateway account role carries only the AWS managed policy for pushing logs; the order
  // events' delivery role is pinned by its own test below.
  const unpinned = roles.filter(
    (r) =>
      !pinned.some((p) => r.startsWith(p)) &&
      !r.startsWith("Api_CloudWatchRole_") &&
      r !== "OrderEventDeliveryRole",
  );
  expect(unpinned).toEqual([]);
  expect(
    Object.values(resourcesOf(stack, "aws_iam_role_policy_attachment")).map((a) => a.policy_arn),
  ).toEqual([
    "arn:${data.aws_partition.Partition.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
  ]);
});

test("only the API (OrderPlacement; PaymentEvents, AfterSale and CatalogAdmin on their own routes), OrderConfirmationRule and EmailFeedbackTopic may invoke functions from outside", () => {
  const permissions = Object.values(resourcesOf(stack, "aws_lambda_permission")).map((p) => ({
    principal: p.principal,
    function: p.function_name,
    action: p.action,
  }));
  expect(permissions).toEqual(
    expect.arrayContaining([
      {
        principal: "apigateway.amazonaws.com",
        function: "${aws_lambda_alias.OrderPlacementLiveAlias.function_name}",
        action: "lambda:InvokeFunction",
      },
      {
        principal: "events.amazonaws.com",
        function: "${aws_lambda_alias.OrderSuccessHandlerLiveAlias.function_name}",
        action: "lambda:InvokeFunction",
      },
      {
        principal: "sns.amazonaws.com",
        function: "${aws_lambda_alias.EmailFeedbackLiveAlias.function_name}",
        action: "lambda:InvokeFunction",
      },
      {
        principal: "apigateway.amazonaws.com",
        function: "${aws_lambda_alias.PaymentEventsLiveAlias.function_name}",
        action: "lambda:InvokeFunction",
      },
      {
        principal: "apigateway.amazonaws.com",
        function: "${aws_lambda_alias.AfterSaleLiveAlias.function_name}",
        action: "lambda:InvokeFunction",
      },
    ]),
  );
  expect(permissions).toHaveLength(17);
  // CatalogAdmin: only from its own four routes.
  const catalogAdmin = Object.values(resourcesOf(stack, "aws_lambda_permission")).filter(
    (p) => p.function_name === "${aws_lambda_alias.CatalogAdminLiveAlias.function_name}",
  );
  expect(catalogAdmin.map((p) => p.source_arn).sort()).toEqual([
    "${aws_api_gateway_rest_api.ApiGateway.execution_arn}/*/GET/products/*/stock-movements",
    "${aws_api_gateway_rest_api.ApiGateway.execution_arn}/*/PATCH/products/*",
    "${aws_api_gateway_rest_api.ApiGateway.execution_arn}/*/POST/products",
    "${aws_api_gateway_rest_api.ApiGateway.execution_arn}/*/POST/products/*/stock-adjustments",
  ]);
  // AfterSale: only from its own routes, one permission each (a path parameter is `*` in the source ARN).
  const afterSale = Object.values(resourcesOf(stack, "aws_lambda_permission")).filter(
    (p) => p.function_name === "${aws_lambda_alias.AfterSaleLiveAlias.function_name}",
  );
  expect(afterSale.map((p) => p.source_arn).sort()).toEqual(
    ["cancel", "refunds", "returns", "returns/*/receipt", "returns/*/rejection", "shipment"].map(
      (route) => `\${aws_api_gateway_rest_api.ApiGateway.execution_arn}/*/POST/orders/*/${route}`,
    ),
  );
  // PaymentEvents: only from its own route (POST /webhooks/stripe), not from any route of the API.
  const webhook = Object.values(resourcesOf(stack, "aws_lambda_permission")).find(
    (p) => p.function_name === "${aws_lambda_alias.PaymentEventsLiveAlias.function_name}",
  );
  expect(webhook?.source_arn).toBe(
    "${aws_api_gateway_rest_api.ApiGateway.execution_arn}/*/POST/webhooks/stripe",
  );
});

test("the workflow may put metric data only into the order system's namespace", () => {
  const [, doc] = Object.entries(dataOf(stack, "aws_iam_policy_document")).find(([name]) =>
    name.startsWith("Workflow_Role_Permissions_"),
  )!;
  const statement = (doc.statement as (Statement & { condition?: unknown })[]).find(
    (st) => st.sid === "CountUnexpectedFailures",
  );
  expect(statement?.condition).toEqual([
    { test: "StringEquals", variable: "cloudwatch:namespace", values: ["EcommerceOrders"] },
  ]);
});

test.each(FUNCTIONS.map((f) => [f.id, f]))(
  "%s gets exactly the environment its contract declares, plus the shared runtime settings",
  (_, spec) => {
    const fn = resourcesOf(stack, "aws_lambda_function")[`${spec.id}Lambda`];
    const variables = (fn.environment as { variables: Record<string, string> }).variables;
    expect(Object.keys(variables).sort()).toEqual(
      [
        ...spec.config.map((name) => CONFIG[name].env),
        "NODE_OPTIONS",
        "POWERTOOLS_LOG_LEVEL",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_SERVICE_NAME",
      ].sort(),
    );
  },
);

test("only OrderEvents may put events on the order event bus; EventBridge delivers to this system's API destinations only", () => {
  const docs = Object.entries(dataOf(stack, "aws_iam_policy_document"));
  const putters = docs
    .filter(([, doc]) =>
      ((doc.statement ?? []) as Statement[]).some(
        (st) =>
          (st.actions ?? []).some((a) => a === "events:PutEvents" || a === "events:*" || a === "*") &&
          (st.resources ?? []).some(
            (r) => r === ORDER_EVENT_BUS || r === "*" || r.includes("event-bus/ecommerce-dev-order-events"),
          ),
      ),
    )
    .map(([name]) => name);
  expect(putters).toEqual([expect.stringMatching(/^OrderEvents_Role_/)]);
  const delivery = Object.values(resourcesOf(stack, "aws_iam_role_policy")).find(
    (p) => p.name === "InvokeOrderEventSubscriptions",
  );
  expect(delivery).toMatchObject({ count: "${length(var.order_event_subscriptions) > 0 ? 1 : 0}" });
  expect(JSON.parse(String(delivery!.policy))).toEqual({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "InvokeOwnApiDestinations",
        Effect: "Allow",
        Action: "events:InvokeApiDestination",
        Resource:
          "arn:${data.aws_partition.Partition.partition}:events:${data.aws_region.Region.name}:${data.aws_caller_identity.Account.account_id}:api-destination/ecommerce-dev-*",
      },
    ],
  });
  expect(resourcesOf(stack, "aws_iam_role").OrderEventDeliveryRole).toMatchObject({
    assume_role_policy: expect.stringContaining('"Service":"events.amazonaws.com"'),
  });
});
