import { createHash } from "node:crypto";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { OrderEventBus } from "./constructs/order-event-bus";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { LambdaProvisionedConcurrencyConfig } from "@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Fn, Op, S3Backend, TerraformOutput, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { FUNCTIONS, type FunctionId } from "../lambdas/platform/contracts";
import { type ResourceHandles } from "../lambdas/platform/resources";
import { type Settings } from "../lambdas/platform/config";
import catalog from "../lambdas/catalog/catalog.json";
import { ORDERS_QUEUE_SETTINGS } from "../lambdas/platform/queue-settings";
import { ORDERS_BY_CUSTOMER_INDEX, ORDERS_BY_STATUS_INDEX } from "../lambdas/platform/table-definitions";
import { byApiHandler, type ApiHandler } from "../lambdas/platform/routes";
import { PAYMENT_ACTION_TIMEOUT_PLACEHOLDER, type WorkflowResources } from "../lambdas/workflow/definition";
import { REQUIRED_TERRAFORM_VERSION, type BackendConfig, type EnvironmentConfig } from "./config";
import { enforceSecurityBaseline } from "./policy-checks";
import { ApiFirewall } from "./constructs/api-firewall";
import { CodeBucket } from "./constructs/code-bucket";
import { CustomerEmail, customerEmailHandles } from "./constructs/customer-email";
import { CustomerIdentity } from "./constructs/customer-identity";
import { FunctionNetwork } from "./constructs/function-network";
import { DataTables } from "./constructs/data-tables";
import { Messaging } from "./constructs/messaging";
import { Monitoring } from "./constructs/monitoring";
import { OrderApi } from "./constructs/order-api";
import { OrderEvents } from "./constructs/order-events";
import { OrderFunction } from "./constructs/order-function";
import { OrderOutbox } from "./constructs/order-outbox";
import { OrderWorkflow, WORKFLOW_ALIAS } from "./constructs/order-workflow";
import { OrderRelease } from "./constructs/order-release";
import { OrderReconciler } from "./constructs/order-reconciler";
import { PaymentSecrets } from "./constructs/payment-secrets";
import { OrderSystemVariables } from "./constructs/variables";

export interface OrderSystemStackProps {
  readonly environment: EnvironmentConfig;
  /** Remote state; omitted in tests and offline plans, which use a local backend. */
  readonly backend?: BackendConfig;
  /** From cdktf.out/stacks/<stack>/ back to the project root (see OrderFunction). */
  readonly projectRootFromModule?: string;
}

/** What the parts of the stack share: the environment, its variables and the account's coordinates. */
interface StackContext {
  readonly env: EnvironmentConfig;
  readonly vars: OrderSystemVariables;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly logRetentionDays: number;
}

/** Customer e-mail's From: sender_email, else orders@sender_domain, else the operator's address. */
function senderAddress(vars: OrderSystemVariables): string {
  const domain = vars.senderDomain.stringValue;
  return Fn.conditional(
    Op.gte(Fn.lengthOf(vars.senderEmail.stringValue), 1),
    vars.senderEmail.stringValue,
    Fn.conditional(Op.gte(Fn.lengthOf(domain), 1), `orders@${domain}`, vars.notificationEmail.stringValue),
  );
}

/** The whole order system for one environment. */
export class OrderSystemStack extends TerraformStack {
  readonly functions: Record<FunctionId, OrderFunction>;
  /**
   * What the functions' contracts and the workflow are resolved against (Terraform references): the
   * local runtime pairs them with its own twins to read the synthesized policies (local/iam).
   */
  readonly resources: ResourceHandles;
  readonly workflowResources: WorkflowResources;

  constructor(scope: Construct, id: string, props: OrderSystemStackProps) {
    super(scope, id);
    const env = props.environment;
    this.configureProviders(env, props.backend);
    enforceSecurityBaseline(this);
    const vars = new OrderSystemVariables(this, "Variables", env);
    const ctx: StackContext = {
      env,
      vars,
      account: new DataAwsCallerIdentity(this, "Account").accountId,
      region: new DataAwsRegion(this, "Region").name,
      partition: new DataAwsPartition(this, "Partition").partition,
      logRetentionDays: vars.logRetentionDays.numberValue,
    };

    const code = this.createCodeBucket(ctx);
    const tables = new DataTables(this, "Tables", {
      namePrefix: env.namePrefix,
      deletionProtection: !env.disposable,
    });
    const messaging = new Messaging(this, "Messaging", {
      namePrefix: env.namePrefix,
      accountId: ctx.account,
      partition: ctx.partition,
      notificationEmail: vars.notificationEmail.stringValue,
      orderEventEmails: vars.orderEventEmails.booleanValue,
    });
    const paymentSecrets = new PaymentSecrets(this, "PaymentSecrets", {
      namePrefix: env.namePrefix,
      paymentProvider: vars.paymentProvider.stringValue,
      disposable: env.disposable,
    });
    const network = new FunctionNetwork(this, "Network", {
      namePrefix: env.namePrefix,
      region: ctx.region,
      vpcMode: vars.vpcMode.stringValue,
      logRetentionDays: ctx.logRetentionDays,
    });
    const eventBus = this.createEventBus(ctx, messaging);
    this.resources = this.resourceHandles(ctx, tables, messaging, paymentSecrets, eventBus);
    this.functions = this.createFunctions(ctx, code, network, props.projectRootFromModule);
    // What triggers invoke: each function's live alias, never $LATEST.
    const fn = (functionId: FunctionId) => this.functions[functionId].alias;
    const customerEmail = new CustomerEmail(this, "CustomerEmail", {
      namePrefix: env.namePrefix,
      accountId: ctx.account,
      customerEmails: vars.customerEmails.stringValue,
      senderAddress: senderAddress(vars),
      senderDomain: vars.senderDomain.stringValue,
      topicKeyArn: messaging.topicKey.arn,
      feedbackHandler: fn("EmailFeedback"),
    });

    this.createDelivery(ctx, tables, messaging, fn("StartOrderProcessing"));
    eventBus.connect(fn("OrderEvents"), {
      Orders: tables.orders.streamArn,
      Inventory: tables.inventory.streamArn,
    });
    this.workflowResources = this.workflowResourcesFor(ctx, tables, messaging);
    const workflow = this.createWorkflow(ctx, tables, messaging);
    this.createFollowUp(ctx, workflow, messaging, fn);
    const { identity, api, firewall } = this.createEdge(ctx, byApiHandler(fn));
    const monitoring = this.createMonitoring(ctx, messaging, workflow, api, firewall, eventBus);
    this.createRelease(ctx, workflow, monitoring);
    this.seedInventory(tables);
    this.addOutputs({
      api,
      identity,
      workflow,
      messaging,
      tables,
      region: ctx.region,
      dashboardName: monitoring.dashboard.dashboardName,
      codeBucketName: code.bucket.bucket,
      stripeSecretArn: paymentSecrets.stripeSecretArn,
      stripeWebhookSecretArn: paymentSecrets.stripeWebhookSecretArn,
      dkimRecords: customerEmail.dkimRecords,
      senderAddress: senderAddress(vars),
      // Qualified by the alias: a redriven confirmation runs the live version, as EventBridge's would.
      successHandlerName: `${fn("OrderSuccessHandler").functionName}:${fn("OrderSuccessHandler").name}`,
      paymentReconcilerName: `${fn("ReconcilePayments").functionName}:${fn("ReconcilePayments").name}`,
      eventBus,
    });
  }

  /** The order event bus, its archive, schemas and subscriptions (its publisher is wired later). */
  private createEventBus(ctx: StackContext, messaging: Messaging): OrderEventBus {
    return new OrderEventBus(this, "OrderEventBus", {
      namePrefix: ctx.env.namePrefix,
      accountId: ctx.account,
      region: ctx.region,
      partition: ctx.partition,
      archiveDays: ctx.vars.orderEventArchiveDays.numberValue,
      subscriptionsVariable: "var.order_event_subscriptions",
      alarmTopicArn: messaging.criticalAlertsTopic.arn,
    });
  }

  /** The encrypted bucket the functions' code is uploaded to. */
  private createCodeBucket({ env, vars, account }: StackContext): CodeBucket {
    return new CodeBucket(this, "CodeBucket", {
      bucketName: Fn.conditional(
        // cdktf renders a falsy operand ("" or 0) as `undefined`, hence `< 1` rather than `== ""`.
        Op.lt(Fn.lengthOf(vars.codeBucketName.stringValue), 1),
        `ecommerce-application-lambda-code-${env.name}-${account}`,
        vars.codeBucketName.stringValue,
      ),
      accountId: account,
      forceDestroy: env.disposable,
    });
  }

  /** How an accepted order reaches the workflow: the outbox pipe to OrdersQueue, and the queue to its consumer. */
  private createDelivery(
    ctx: StackContext,
    tables: DataTables,
    messaging: Messaging,
    consumer: LambdaAlias,
  ): void {
    new LambdaEventSourceMapping(this, "OrdersQueueEventSource", {
      eventSourceArn: messaging.ordersQueue.arn,
      functionName: consumer.arn,
      batchSize: ORDERS_QUEUE_SETTINGS.batchSize,
      maximumBatchingWindowInSeconds: ORDERS_QUEUE_SETTINGS.maxBatchingWindowSeconds,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    new OrderOutbox(this, "Outbox", {
      namePrefix: ctx.env.namePrefix,
      accountId: ctx.account,
      ordersTable: tables.orders,
      ordersQueue: messaging.ordersQueue,
      deadLetterQueue: messaging.orderStreamDeadLetterQueue,
    });
  }

  /** What follows an execution: the confirmation rule, and the reconciler for orders that stopped moving. */
  private createFollowUp(
    ctx: StackContext,
    workflow: OrderWorkflow,
    messaging: Messaging,
    fn: (functionId: FunctionId) => LambdaAlias,
  ): void {
    new OrderEvents(this, "Events", {
      namePrefix: ctx.env.namePrefix,
      stateMachineArn: workflow.stateMachine.arn,
      workflowType: ctx.vars.workflowType.stringValue,
      successHandler: fn("OrderSuccessHandler"),
      deadLetterQueue: messaging.confirmationDeadLetterQueue,
    });
    new OrderReconciler(this, "Reconciler", {
      namePrefix: ctx.env.namePrefix,
      accountId: ctx.account,
      reconciler: fn("ReconcileOrders"),
      paymentReconciler: fn("ReconcilePayments"),
    });
  }

  /** What customers and the payment provider reach: the user pool, the API, and WAF in front of it. */
  private createEdge(ctx: StackContext, handlers: Record<ApiHandler, LambdaAlias>) {
    const { env, vars } = ctx;
    const identity = new CustomerIdentity(this, "Customers", {
      namePrefix: env.namePrefix,
      disposable: env.disposable,
    });
    const api = new OrderApi(this, "Api", {
      namePrefix: env.namePrefix,
      apiName: vars.apiName.stringValue,
      rootHttpMethod: vars.rootHttpMethod.stringValue,
      stageName: vars.stageName.stringValue,
      handlers,
      logRetentionDays: ctx.logRetentionDays,
      throttle: env.apiThrottle,
      manageAccountSettings: env.manageApiGatewayAccount,
      partition: ctx.partition,
      apiAuth: vars.apiAuth.stringValue,
      userPoolArn: identity.userPool.arn,
      allowedOrigins: vars.allowedOrigins.listValue,
    });
    const firewall = new ApiFirewall(this, "Firewall", {
      namePrefix: env.namePrefix,
      enabled: vars.enableWaf.booleanValue,
      stageArn: api.stage.arn,
      logRetentionDays: ctx.logRetentionDays,
      rateLimit: vars.wafRateLimit.numberValue,
      countModeGroupsVariable: "var.waf_count_mode_rule_groups",
    });
    return { identity, api, firewall };
  }

  /** The resources the functions' contracts name, as Terraform references. */
  private resourceHandles(
    ctx: StackContext,
    tables: DataTables,
    messaging: Messaging,
    paymentSecrets: PaymentSecrets,
    eventBus: OrderEventBus,
  ): ResourceHandles {
    // Known before the state machine exists: its consumer's role and environment name it.
    const stateMachineArn = `arn:${ctx.partition}:states:${ctx.region}:${ctx.account}:stateMachine:${ctx.env.namePrefix}-order-processing`;
    const email = customerEmailHandles();
    return {
      ordersTable: { arn: tables.orders.arn, name: tables.orders.name },
      ordersByCustomerIndex: { arn: `${tables.orders.arn}/index/${ORDERS_BY_CUSTOMER_INDEX.name}` },
      ordersByStatusIndex: { arn: `${tables.orders.arn}/index/${ORDERS_BY_STATUS_INDEX.name}` },
      orderKeysTable: { arn: tables.orderKeys.arn, name: tables.orderKeys.name },
      inventoryTable: { arn: tables.inventory.arn, name: tables.inventory.name },
      stockMovementsTable: { arn: tables.stockMovements.arn, name: tables.stockMovements.name },
      ordersQueue: { arn: messaging.ordersQueue.arn, url: messaging.ordersQueue.url },
      confirmationDeadLetterQueue: { arn: messaging.confirmationDeadLetterQueue.arn },
      // Executions start on the workflow's alias (a release moves it), never on the bare state machine.
      orderWorkflow: { arn: `${stateMachineArn}:${WORKFLOW_ALIAS}` },
      orderAlertsTopic: { arn: messaging.orderAlertsTopic.arn },
      criticalAlertsTopic: { arn: messaging.criticalAlertsTopic.arn },
      // Created with the API (createEdge), after the functions: named by its Terraform address.
      customerUserPool: {
        arn: "${aws_cognito_user_pool.CustomerUserPool.arn}",
        id: "${aws_cognito_user_pool.CustomerUserPool.id}",
      },
      topicKey: { arn: messaging.topicKey.arn },
      stripeSecret: { arn: paymentSecrets.stripeSecretArn },
      stripeWebhookSecret: { arn: paymentSecrets.stripeWebhookSecretArn },
      // The callback API (SendTaskSuccess/Failure) names the state machine itself.
      orderStateMachine: { arn: stateMachineArn },
      emailSuppressionTable: { arn: tables.emailSuppression.arn, name: tables.emailSuppression.name },
      emailIdentity: email.identity,
      emailConfigurationSet: email.configurationSet,
      confirmationEmailTemplate: email.templates.confirmation,
      failureEmailTemplate: email.templates.failure,
      cancellationEmailTemplate: email.templates.cancellation,
      shipmentEmailTemplate: email.templates.shipment,
      refundEmailTemplate: email.templates.refund,
      returnRequestedEmailTemplate: email.templates.returnRequested,
      returnReceivedEmailTemplate: email.templates.returnReceived,
      returnRejectedEmailTemplate: email.templates.returnRejected,
      orderEventBus: { arn: eventBus.bus.arn, name: eventBus.bus.name, source: eventBus.source },
      orderEventsDeadLetterQueue: { arn: eventBus.deadLetterQueue.arn },
      ordersTableStream: { arn: tables.orders.streamArn },
      inventoryTableStream: { arn: tables.inventory.streamArn },
    };
  }

  /** Every function of lambdas/platform/contracts.ts, configured and granted from its contract. */
  private createFunctions(
    ctx: StackContext,
    code: CodeBucket,
    network: FunctionNetwork,
    projectRootFromModule = "../../..",
  ): Record<FunctionId, OrderFunction> {
    const settings: Settings = {
      paymentGateway: ctx.vars.paymentProvider.stringValue,
      simulatedGatewayTransientFailures: Fn.tostring(ctx.vars.simulatedGatewayTransientFailures.numberValue),
      // Stripe's own API host; another host is for local tests only (npm start -- --stripe-api-base).
      stripeApiBase: "",
      apiAuth: ctx.vars.apiAuth.stringValue,
      allowedOrigins: Fn.join(",", ctx.vars.allowedOrigins.listValue),
      customerEmails: ctx.vars.customerEmails.stringValue,
      senderAddress: senderAddress(ctx.vars),
      stuckOrderMinutes: Fn.tostring(ctx.vars.stuckOrderMinutes.numberValue),
      paymentActionTimeoutMinutes: Fn.tostring(ctx.vars.paymentActionTimeoutMinutes.numberValue),
      idempotencyKeyTtlHours: Fn.tostring(ctx.vars.idempotencyKeyTtlHours.numberValue),
      reconcileDays: Fn.tostring(ctx.vars.reconcileDays.numberValue),
      lowStockThreshold: Fn.tostring(ctx.vars.lowStockThreshold.numberValue),
      returnWindowDays: Fn.tostring(ctx.vars.returnWindowDays.numberValue),
    };
    const functions = FUNCTIONS.map((spec) => {
      const fn = new OrderFunction(this, spec.id, {
        spec,
        namePrefix: ctx.env.namePrefix,
        codeBucket: code.bucket,
        codeBucketVersioning: code.versioning,
        projectRootFromModule,
        logRetentionDays: ctx.logRetentionDays,
        resources: this.resources,
        settings,
        network: {
          inVpc: Op.neq(ctx.vars.vpcMode.stringValue, "none"),
          subnetIds: network.subnetIds,
          securityGroupIds: network.securityGroupIds,
        },
      });
      return [spec.id, fn] as const;
    });
    return Object.fromEntries(functions) as Record<FunctionId, OrderFunction>;
  }

  /** What the workflow definition points at: the functions, the orders table, the topics, the bus. */
  private workflowResourcesFor(
    ctx: StackContext,
    tables: DataTables,
    messaging: Messaging,
  ): WorkflowResources {
    // One reference per function, so the role derived from the definition names each once.
    const functionArns = Object.fromEntries(
      FUNCTIONS.map((spec) => [spec.id, this.functions[spec.id].alias.arn]),
    );
    return {
      functionArn: (functionId) => functionArns[functionId],
      ordersTableName: tables.orders.name,
      orderErrorTopicArn: messaging.orderErrorTopic.arn,
      criticalAlertsTopicArn: messaging.criticalAlertsTopic.arn,
      eventBusArn: `arn:${ctx.partition}:events:${ctx.region}:${ctx.account}:event-bus/default`,
      // The workflow construct puts payment_action_timeout_minutes in its place.
      paymentActionTimeoutSeconds: PAYMENT_ACTION_TIMEOUT_PLACEHOLDER,
    };
  }

  /** The state machine from the shared definition; its role follows from what the definition touches. */
  private createWorkflow(ctx: StackContext, tables: DataTables, messaging: Messaging): OrderWorkflow {
    return new OrderWorkflow(this, "Workflow", {
      namePrefix: ctx.env.namePrefix,
      accountId: ctx.account,
      logRetentionDays: ctx.logRetentionDays,
      tableArns: new Map([[this.workflowResources.ordersTableName, tables.orders.arn]]),
      topicKeyArn: messaging.topicKey.arn,
      workflowType: ctx.vars.workflowType.stringValue,
      paymentActionTimeoutMinutes: ctx.vars.paymentActionTimeoutMinutes.numberValue,
      resources: this.workflowResources,
    });
  }

  private createMonitoring(
    ctx: StackContext,
    messaging: Messaging,
    workflow: OrderWorkflow,
    api: OrderApi,
    firewall: ApiFirewall,
    eventBus: OrderEventBus,
  ): Monitoring {
    return new Monitoring(this, "Monitoring", {
      namePrefix: ctx.env.namePrefix,
      region: ctx.region,
      alarmTopicArn: messaging.criticalAlertsTopic.arn,
      queueName: messaging.ordersQueue.name,
      deadLetterQueueName: messaging.deadLetterQueue.name,
      confirmationDeadLetterQueueName: messaging.confirmationDeadLetterQueue.name,
      orderStreamDeadLetterQueueName: messaging.orderStreamDeadLetterQueue.name,
      orderEventsDeadLetterQueueName: eventBus.deadLetterQueue.name,
      queueDepthThreshold: ctx.vars.queueDepthAlarmThreshold.numberValue,
      stateMachineArn: workflow.stateMachine.arn,
      apiName: api.restApi.name,
      stageName: api.stage.stageName,
      functionNames: FUNCTIONS.map((spec) => ({ id: spec.id, name: this.functions[spec.id].functionName })),
      firewall: { enabled: ctx.vars.enableWaf.booleanValue, webAclName: firewall.webAclName },
      declineRateAlarmPercent: ctx.vars.declineRateAlarmPercent.numberValue,
    });
  }

  /**
   * Canary releases: CodeDeploy for the functions' aliases, the workflow's alias for the state
   * machine, OrderPlacement's optional warm capacity, and the plan `npm run release` follows.
   */
  private createRelease(ctx: StackContext, workflow: OrderWorkflow, monitoring: Monitoring): void {
    const aliases = Object.fromEntries(FUNCTIONS.map((spec) => [spec.id, this.functions[spec.id].alias]));
    const watched = {
      api: monitoring.alarmName("ApiServerErrorsAlarm"),
      workflow: monitoring.alarmName("OrderProcessingWorkflowFailureAlarm"),
    };
    const release = new OrderRelease(this, "Release", {
      namePrefix: ctx.env.namePrefix,
      accountId: ctx.account,
      strategy: ctx.vars.releaseStrategy.stringValue,
      aliases: aliases as Record<FunctionId, LambdaAlias>,
      errorAlarms: Object.fromEntries(
        FUNCTIONS.map((spec) => [spec.id, monitoring.alarmName(`${spec.id}LambdaErrorsAlarm`)]),
      ) as Record<FunctionId, string>,
      sharedAlarms: [watched.api, watched.workflow],
    });
    const placement = this.functions.OrderPlacement;
    new LambdaProvisionedConcurrencyConfig(this, "ApiProvisionedConcurrency", {
      // `>= 1`, not `> 0`: cdktf renders a 0 operand as undefined.
      count: Token.asNumber(Fn.conditional(Op.gte(ctx.vars.provisionedConcurrency.numberValue, 1), 1, 0)),
      functionName: placement.function.functionName,
      qualifier: placement.alias.name,
      provisionedConcurrentExecutions: ctx.vars.provisionedConcurrency.numberValue,
    }).overrideLogicalId("ApiProvisionedConcurrency");
    this.output(
      "release_plan",
      Fn.jsonencode({
        strategy: ctx.vars.releaseStrategy.stringValue,
        application: release.application.name,
        functions: Object.fromEntries(
          FUNCTIONS.map((spec) => [
            spec.id,
            {
              functionName: this.functions[spec.id].functionName,
              alias: this.functions[spec.id].alias.name,
              deploymentGroup: release.groups[spec.id].deploymentGroupName,
            },
          ]),
        ),
        workflow: { stateMachineArn: workflow.stateMachine.arn, aliasArn: workflow.alias.arn },
        workflowAlarms: [watched.workflow, watched.api],
      }),
      "What `npm run release` moves: each function's alias (CodeDeploy group) and the workflow's alias, with the strategy and the alarms watched",
    );
  }

  /** Seeds the catalog once at deploy; re-run only when the catalog changes, never resetting stock. */
  private seedInventory(tables: DataTables): void {
    const seed = new LambdaInvocation(this, "SeedInventoryInvocation", {
      functionName: this.functions.SeedInventory.function.functionName,
      qualifier: this.functions.SeedInventory.alias.name,
      input: JSON.stringify(catalog),
      triggers: { catalog: createHash("sha256").update(JSON.stringify(catalog)).digest("hex") },
      dependsOn: [tables.inventory],
    });
    seed.overrideLogicalId("SeedInventoryInvocation");
  }

  /** Remote state (when given), the AWS provider with default tags, and the archive provider. */
  private configureProviders(env: EnvironmentConfig, backend: BackendConfig | undefined): void {
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
    if (backend) {
      new S3Backend(this, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix}/${env.name}/terraform.tfstate`,
        region: backend.region,
        encrypt: true,
        // Only for stacks still moving off a DynamoDB lock table (TF_STATE_LOCK_TABLE).
        ...(backend.lockTable ? { dynamodbTable: backend.lockTable } : {}),
      });
      // S3-native state locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no property for it.
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    }
    new AwsProvider(this, "aws", {
      region: env.region,
      defaultTags: [
        { tags: { Application: "ecommerce-order-system", Environment: env.name, ManagedBy: "cdktf" } },
      ],
    });
    new ArchiveProvider(this, "archive");
  }

  /** One output under its own name (`cdktf output`, and the deploy job's outputs file, read it so). */
  private output(name: string, value: string, description: string): void {
    new TerraformOutput(this, name, { value, description }).overrideLogicalId(name);
  }

  /** The queues and dead-letter queues, and where a redrive hands confirmations back: what operators use. */
  private addQueueOutputs(messaging: Messaging, successHandlerName: string): void {
    this.output("orders_queue_url", messaging.ordersQueue.url, "OrdersQueue");
    this.output("orders_dlq_url", messaging.deadLetterQueue.url, "OrdersQueue's dead-letter queue");
    this.output(
      "order_stream_dlq_url",
      messaging.orderStreamDeadLetterQueue.url,
      "Orders the outbox pipe could not queue (stream records)",
    );
    this.output(
      "confirmation_dlq_url",
      messaging.confirmationDeadLetterQueue.url,
      "Order confirmations that could not be delivered or handled",
    );
    this.output(
      "order_success_handler_name",
      successHandlerName,
      "OrderSuccessHandlerLambda: where `npm run redrive -- --queue confirmations` hands events back",
    );
  }

  /** What `cdktf output` shows: endpoints and handles, never a secret. */
  private addOutputs(parts: {
    api: OrderApi;
    identity: CustomerIdentity;
    workflow: OrderWorkflow;
    messaging: Messaging;
    tables: DataTables;
    region: string;
    dashboardName: string;
    codeBucketName: string;
    stripeSecretArn: string;
    stripeWebhookSecretArn: string;
    dkimRecords: string;
    senderAddress: string;
    successHandlerName: string;
    paymentReconcilerName: string;
    eventBus: OrderEventBus;
  }): void {
    const { api, workflow, messaging, tables, region } = parts;
    this.output("api_url", api.stage.invokeUrl, "Base URL of the API stage");
    this.output(
      "orders_endpoint",
      `${api.stage.invokeUrl}/orders`,
      "POST orders here (signed in); GET it for the caller's orders, GET /orders/{orderId} for one",
    );
    this.output("products_endpoint", `${api.stage.invokeUrl}/products`, "GET the catalog with stock");
    this.output("state_machine_arn", workflow.stateMachine.arn, "OrderProcessingStateMachine");
    this.addQueueOutputs(messaging, parts.successHandlerName);
    this.output(
      "payment_reconciler_name",
      parts.paymentReconcilerName,
      "ReconcilePaymentsLambda: what `npm run reconcile-payments -- --stack` runs",
    );
    this.output("order_keys_table_name", tables.orderKeys.name, "Idempotency keys → order ids");
    this.output("inventory_table_name", tables.inventory.name, "InventoryTable");
    this.output("orders_table_name", tables.orders.name, "Orders table");
    this.output(
      "order_alerts_topic_arn",
      messaging.orderAlertsTopic.arn,
      "OrderAlertsTopic (order confirmed)",
    );
    this.output(
      "order_error_topic_arn",
      messaging.orderErrorTopic.arn,
      "OrderErrorNotificationTopic (order failed)",
    );
    this.output(
      "critical_alerts_topic_arn",
      messaging.criticalAlertsTopic.arn,
      "CriticalAlertsTopic (alarms, failed refunds)",
    );
    this.output(
      "dashboard_url",
      `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${parts.dashboardName}`,
      "EcommerceProcessingDashboard",
    );
    this.output("code_bucket_name", parts.codeBucketName, "S3 bucket holding the Lambda bundles");
    this.output("user_pool_id", parts.identity.userPool.id, "Cognito user pool of the store's customers");
    this.output(
      "user_pool_client_id",
      parts.identity.storefrontClient.id,
      "Public app client of the storefront (no secret)",
    );
    this.output("user_pool_issuer", parts.identity.issuer, "Issuer (iss) of the customers' tokens");
    this.output(
      "operator_client_id",
      parts.identity.operatorClient.id,
      "App client for operators' tools (npm run smoke): admin-initiate-auth only, which needs IAM",
    );
    this.output(
      "customer_email_sender",
      parts.senderAddress,
      "From address of customer e-mail (an SES identity: verify it before customers can be mailed)",
    );
    this.output(
      "dkim_records",
      parts.dkimRecords,
      "DNS CNAME records that verify sender_domain in SES (DKIM); empty without sender_domain",
    );
    this.addPaymentOutputs(api, parts.stripeSecretArn, parts.stripeWebhookSecretArn);
    this.addEventOutputs(parts.eventBus);
  }

  /** The order event bus subscribers and their rules name. */
  private addEventOutputs(eventBus: OrderEventBus): void {
    this.output("order_event_bus_name", eventBus.bus.name, "The order event bus (docs/EVENTS.md)");
    this.output(
      "order_event_bus_arn",
      eventBus.bus.arn,
      "The order event bus's ARN: rules of other accounts or systems subscribe here",
    );
  }

  /** Where an operator puts Stripe's key and webhook secret, and the endpoint Stripe calls. */
  private addPaymentOutputs(api: OrderApi, stripeSecretArn: string, stripeWebhookSecretArn: string): void {
    this.output(
      "stripe_secret_arn",
      stripeSecretArn,
      "Secrets Manager secret to put the Stripe secret key into (empty unless payment_provider = stripe)",
    );
    this.output(
      "stripe_webhook_url",
      `${api.stage.invokeUrl}/webhooks/stripe`,
      "The endpoint to register in Stripe's Dashboard for payment_intent.* events",
    );
    this.output(
      "stripe_webhook_secret_arn",
      stripeWebhookSecretArn,
      "Secrets Manager secret to put the webhook endpoint's signing secret (whsec_…) into (empty unless payment_provider = stripe)",
    );
  }
}
