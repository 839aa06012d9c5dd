/**
 * The whole order system on one machine: the bundled handlers, the state machine definition from
 * the shared builder, dynalite for DynamoDB, an in-process queue with SQS semantics, local SNS and
 * the EventBridge success rule, behind an HTTP server that speaks the API Gateway contract.
 */
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from "@aws-sdk/client-dynamodb";
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  EventBridgeEvent,
  SQSBatchResponse,
  SQSEvent,
} from "aws-lambda";
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { functionSpec, type FunctionId } from "../lambdas/functions";
import catalog from "../lambdas/shared/catalog.json";
import { EXECUTION_STATUS_CHANGE, orderConfirmationPattern } from "../lambdas/shared/events";
import type { Notifier, OrderQueue, WorkflowStarter } from "../lambdas/shared/ports";
import { ORDERS_QUEUE_SETTINGS } from "../lambdas/shared/queue-settings";
import { DEFAULT_ROOT_METHOD, type HttpMethod } from "../lambdas/shared/routes";
import { buildOrderWorkflowDefinition, STATES } from "../lambdas/shared/workflow-definition";
import { startLocalDynamoDbProcess } from "./dynamodb-process";
import { startLocalDynamoDb, type LocalDynamoDb } from "./dynamodb-server";
import { createLocalApiServer } from "./http-server";
import { asLambdaTask, lambdaContext, loadBundle, type LambdaHandler } from "./lambda-host";
import { LocalQueue } from "./local-queue";
import {
  ExecutionAlreadyExistsError,
  LocalWorkflow,
  type Execution,
  type TaskHandler,
} from "./local-workflow";
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_TOPICS, LocalNotifications } from "./notifications";
import { createOrderTables } from "./tables";

export interface LocalRuntimeOptions {
  readonly projectRoot: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Keeps DynamoDB data (LevelDB) between runs; in memory when omitted. */
  readonly dataDir?: string;
  readonly rootMethod?: HttpMethod;
  readonly stageName?: string;
  /** Attempts of a tok_processingError charge that fail before the simulated gateway recovers. */
  readonly gatewayTransientFailures?: number;
  /** OrdersQueue visibility timeout; the stack's value when omitted. */
  readonly visibilityTimeoutMs?: number;
  /** Pause before a workflow Retry (ms); the definition's backoff with jitter when omitted. */
  readonly retryIntervalMs?: number;
  readonly queueConcurrency?: number;
  /** Shows the handlers' own JSON logs (Powertools) and EMF metrics. */
  readonly handlerLogs?: boolean;
  /** Runs DynamoDB inside this process instead of its own (one core instead of two). */
  readonly inProcessDatabase?: boolean;
  /** One readable line per order event. */
  readonly log?: (line: string) => void;
}

export interface LocalOrderSystem {
  readonly url: string;
  readonly port: number;
  readonly dynamoDbEndpoint: string;
  readonly tables: { readonly orders: string; readonly inventory: string };
  readonly notifications: LocalNotifications;
  readonly queue: LocalQueue;
  readonly workflow: LocalWorkflow;
  /** Makes StartOrderProcessing fail on this order's message `times` times (a crash mid-batch). */
  failWorkflowStarts(orderId: string, times: number): void;
  /** Makes OrderSuccessHandler's publish fail for this order `times` times. */
  failConfirmations(orderId: string, times: number): void;
  /** EventBridge events OrderSuccessHandler could not handle (the confirmation dead-letter queue). */
  confirmationDeadLetters(): readonly EventBridgeEvent<string, unknown>[];
  /** Resolves once the queue is drained and no execution or success handler is running. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const LOCAL_TABLES = { orders: "local-orders", inventory: "local-inventory" };
const STATE_MACHINE_NAME = "order-processing";

function lambdaArn(id: FunctionId): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:local-${functionSpec(id).folder}`;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startLocalOrderSystem(options: LocalRuntimeOptions): Promise<LocalOrderSystem> {
  const log = options.log ?? (() => undefined);
  const host = options.host ?? "127.0.0.1";
  const stageName = options.stageName ?? "prod";
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const db: LocalDynamoDb = options.inProcessDatabase
      ? await startLocalDynamoDb({ dataDir: options.dataDir, host })
      : await startLocalDynamoDbProcess({ dataDir: options.dataDir, host });
    cleanups.push(() => db.close());

    // What the stack sets on each function, pointed at local services. SDK clients find DynamoDB
    // through AWS_ENDPOINT_URL_DYNAMODB; queue, workflow and SNS are passed in as adapters.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      ORDERS_TABLE_NAME: LOCAL_TABLES.orders,
      INVENTORY_TABLE_NAME: LOCAL_TABLES.inventory,
      ORDERS_QUEUE_URL: `http://localhost/${LOCAL_ACCOUNT}/orders`,
      STATE_MACHINE_ARN: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${STATE_MACHINE_NAME}`,
      ORDER_ALERTS_TOPIC_ARN: LOCAL_TOPICS.OrderAlertsTopic,
      PAYMENT_GATEWAY: "simulated",
      SIMULATED_GATEWAY_TRANSIENT_FAILURES: String(options.gatewayTransientFailures ?? 1),
      POWERTOOLS_LOG_LEVEL: options.handlerLogs ? "INFO" : "SILENT",
      POWERTOOLS_METRICS_DISABLED: options.handlerLogs ? "false" : "true",
      POWERTOOLS_METRICS_NAMESPACE: "EcommerceOrders",
    });
    const dynamodb = new DynamoDBClient({});
    cleanups.push(async () => dynamodb.destroy());
    await createOrderTables(dynamodb, LOCAL_TABLES);

    const root = options.projectRoot;
    const bundles = {
      placement: loadBundle<APIGatewayProxyEvent, APIGatewayProxyResult>(root, "OrderPlacement"),
      start: loadBundle<SQSEvent, SQSBatchResponse>(root, "StartOrderProcessing"),
      validate: loadBundle(root, "ValidateOrder"),
      payment: loadBundle(root, "ProcessPayment"),
      inventory: loadBundle(root, "UpdateInventory"),
      success: loadBundle<EventBridgeEvent<string, unknown>, unknown>(root, "OrderSuccessHandler"),
      seed: loadBundle(root, "SeedInventory"),
    };

    // Seeded exactly as the stack's aws_lambda_invocation does: same handler, same catalog.
    const seeded = (await bundles.seed.handler(catalog, lambdaContext("local-seed-inventory", 60_000))) as {
      created: string[];
      existing: string[];
    };
    log(
      `Inventory: ${seeded.created.length} products seeded, ${seeded.existing.length} kept from the data dir`,
    );

    const notifications = new LocalNotifications();
    const notifier = (topicArn: string): Notifier => ({
      publish: async (n) => void notifications.publish(topicArn, n.subject, n.message),
    });

    // Test hook: the alerts publish fails for an order a given number of times.
    const confirmationFaults = new Map<string, number>();
    const alerts = notifier(LOCAL_TOPICS.OrderAlertsTopic);
    const successHandler = bundles.success.createHandler({
      alerts: {
        publish: async (notification: { subject: string; message: string }) => {
          const orderId = /^Order (\S+) confirmed$/.exec(notification.subject)?.[1] ?? "";
          const remaining = confirmationFaults.get(orderId) ?? 0;
          if (remaining > 0) {
            confirmationFaults.set(orderId, remaining - 1);
            throw new Error(`Injected fault: publishing the confirmation of ${orderId} failed`);
          }
          await alerts.publish(notification);
        },
      },
    });
    const confirmationDeadLetters: EventBridgeEvent<string, unknown>[] = [];
    const pendingEvents = new Set<Promise<void>>();
    const pattern = orderConfirmationPattern(
      `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${STATE_MACHINE_NAME}`,
    );
    /** EventBridge invokes Lambda asynchronously: two retries, then the on-failure destination. */
    const deliverEvent = async (event: EventBridgeEvent<string, unknown>): Promise<boolean> => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          await successHandler(event, lambdaContext("local-order-success-handler", 15_000));
          return true;
        } catch (error) {
          log(
            `OrderSuccessHandler failed (attempt ${attempt}/3): ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      confirmationDeadLetters.push(event);
      // As deployed, ConfirmationDeadLetterQueueNotEmptyAlarm pages CriticalAlertsTopic.
      notifications.publish(
        LOCAL_TOPICS.CriticalAlertsTopic,
        "ALARM: order-confirmation-dlq-not-empty",
        `An order confirmation could not be handled after 3 attempts and was dead-lettered: ${JSON.stringify(event.detail)}`,
      );
      return false;
    };
    const onFinished = (execution: Execution) => {
      const detail = {
        executionArn: execution.executionArn,
        stateMachineArn: workflow.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startDate,
        stopDate: execution.stopDate,
        input: execution.input,
        output: execution.output ?? null,
        error: execution.error ?? null,
        cause: execution.cause ?? null,
      };
      if (execution.status === "FAILED")
        log(`order ${execution.name} FAILED: ${execution.cause ?? execution.error}`);
      const event: EventBridgeEvent<string, unknown> = {
        version: "0",
        id: randomUUID(),
        "detail-type": EXECUTION_STATUS_CHANGE,
        source: "aws.states",
        account: LOCAL_ACCOUNT,
        time: new Date().toISOString(),
        region: LOCAL_REGION,
        resources: [execution.executionArn],
        detail,
      };
      // OrderConfirmationRule's own pattern decides, as EventBridge would.
      const matches =
        pattern.source.includes(event.source) &&
        pattern["detail-type"].includes(event["detail-type"]) &&
        pattern.detail.status.includes(detail.status) &&
        pattern.detail.stateMachineArn.includes(detail.stateMachineArn);
      if (!matches) return;
      const delivery = deliverEvent(event).then((handled) => {
        pendingEvents.delete(delivery);
        log(
          handled
            ? `order ${execution.name} CONFIRMED`
            : `order ${execution.name}: confirmation dead-lettered after 3 attempts`,
        );
      });
      pendingEvents.add(delivery);
    };

    const task = (
      id: FunctionId,
      bundle: { createHandler: () => LambdaHandler },
      describe: (out: never) => string,
    ) => {
      const spec = functionSpec(id);
      const invoke = asLambdaTask(`local-${spec.folder}`, bundle.createHandler(), spec.timeoutSeconds * 1000);
      return async (input: unknown) => {
        const orderId = (input as { orderId?: string }).orderId ?? "?";
        try {
          const output = await invoke(input);
          log(`order ${orderId} ${describe(output as never)}`);
          return output;
        } catch (error) {
          const { errorMessage } = JSON.parse((error as Error).message) as { errorMessage: string };
          log(`order ${orderId} ${id} raised ${(error as Error).name}: ${errorMessage}`);
          throw error;
        }
      };
    };
    const validateTask = task(
      "ValidateOrder",
      bundles.validate,
      (o: { totalMinor: number; currency: string }) =>
        `validated: total ${(o.totalMinor / 100).toFixed(2)} ${o.currency}`,
    );
    const paymentTask = task(
      "ProcessPayment",
      bundles.payment,
      (o: { status: string; chargeId?: string; refundId?: string }) =>
        o.status === "CHARGED"
          ? `paid (${o.chargeId})`
          : o.status === "REFUNDED"
            ? `refunded (${o.refundId})`
            : "nothing to refund",
    );
    const inventoryTask = task(
      "UpdateInventory",
      bundles.inventory,
      (o: { inventory: string }) =>
        ({
          reserved: "inventory updated",
          "already-reserved": "inventory already updated",
          released: "inventory released (compensation)",
          "nothing-reserved": "no inventory to release",
        })[o.inventory] ?? `inventory: ${o.inventory}`,
    );
    const publishTask = async (input: unknown) => {
      const { TopicArn, Subject, Message } = input as { TopicArn: string; Subject?: string; Message: string };
      return notifications.publish(TopicArn, Subject ?? "", Message);
    };
    // arn:aws:states:::dynamodb:updateItem: the task's resolved Parameters go to DynamoDB as they are.
    const updateItemTask = async (input: unknown) => {
      try {
        await dynamodb.send(new UpdateItemCommand(input as UpdateItemCommandInput));
        return {};
      } catch (error) {
        const failure = new Error((error as Error).message);
        failure.name = `DynamoDB.${(error as Error).name}`;
        throw failure;
      }
    };
    const tasks: Record<string, TaskHandler> = {
      [STATES.validateOrder]: validateTask as TaskHandler,
      [STATES.processPayment]: paymentTask as TaskHandler,
      [STATES.refundPayment]: paymentTask as TaskHandler,
      [STATES.updateInventory]: inventoryTask as TaskHandler,
      [STATES.releaseInventory]: inventoryTask as TaskHandler,
      [STATES.orderFailed]: updateItemTask as TaskHandler,
      [STATES.notifyOrderFailure]: publishTask as TaskHandler,
      [STATES.notifyCompensationFailure]: publishTask as TaskHandler,
      [STATES.notifyReleaseFailure]: publishTask as TaskHandler,
    };
    const workflow = new LocalWorkflow({
      stateMachineName: STATE_MACHINE_NAME,
      definition: buildOrderWorkflowDefinition({
        validateOrderFunctionArn: lambdaArn("ValidateOrder"),
        processPaymentFunctionArn: lambdaArn("ProcessPayment"),
        updateInventoryFunctionArn: lambdaArn("UpdateInventory"),
        ordersTableName: LOCAL_TABLES.orders,
        orderErrorTopicArn: LOCAL_TOPICS.OrderErrorNotificationTopic,
        criticalAlertsTopicArn: LOCAL_TOPICS.CriticalAlertsTopic,
      }),
      tasks,
      retryIntervalMs: options.retryIntervalMs,
      onFinished,
    });

    const injectedFaults = new Map<string, number>();
    const workflowStarter: WorkflowStarter = {
      start: async (orderId, input) => {
        const remaining = injectedFaults.get(orderId) ?? 0;
        if (remaining > 0) {
          injectedFaults.set(orderId, remaining - 1);
          throw new Error(`Injected fault: StartOrderProcessing crashed on order ${orderId}`);
        }
        try {
          workflow.startExecution(orderId, input);
          log(`order ${orderId} workflow started`);
          return "started";
        } catch (error) {
          if (error instanceof ExecutionAlreadyExistsError) return "already-started";
          throw error;
        }
      },
    };

    const queue = new LocalQueue({
      queueArn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:orders`,
      visibilityTimeoutMs:
        options.visibilityTimeoutMs ?? ORDERS_QUEUE_SETTINGS.visibilityTimeoutSeconds * 1000,
      maxReceiveCount: ORDERS_QUEUE_SETTINGS.maxReceiveCount,
      batchSize: ORDERS_QUEUE_SETTINGS.batchSize,
      batchingWindowMs: ORDERS_QUEUE_SETTINGS.maxBatchingWindowSeconds * 1000,
      concurrency: options.queueConcurrency ?? 5,
      // Locally the OrdersDeadLetterQueueNotEmptyAlarm fires at once and pages CriticalAlertsTopic.
      onDeadLetter: (message) => {
        log(
          `message ${message.messageId} moved to the dead-letter queue after ${message.receiveCount - 1} receives`,
        );
        notifications.publish(
          LOCAL_TOPICS.CriticalAlertsTopic,
          "ALARM: orders-dlq-not-empty",
          `An order message reached the dead-letter queue after ${ORDERS_QUEUE_SETTINGS.maxReceiveCount} receives: ${message.body}`,
        );
      },
      onConsumerError: (error) => log(`StartOrderProcessing failed a whole batch: ${String(error)}`),
    });
    const startHandler = bundles.start.createHandler({ workflow: workflowStarter });
    queue.start((event) => startHandler(event, lambdaContext("local-start-order-processing", 30_000)));
    cleanups.push(() => queue.stop());
    const orderQueue: OrderQueue = { send: async (message) => void queue.send(JSON.stringify(message)) };

    const placement = bundles.placement.createHandler({ queue: orderQueue });
    const server = createLocalApiServer({
      stageName,
      rootMethod: options.rootMethod ?? DEFAULT_ROOT_METHOD,
      handler: (event) => placement(event, lambdaContext("local-order-placement", 10_000)),
      onResponse: (event, result) => {
        if (event.httpMethod !== "GET" || event.resource === "/") {
          if (result.statusCode === 202) log(`order ${JSON.parse(result.body).orderId} placed (PENDING)`);
          else if (result.statusCode >= 400)
            log(`request rejected: ${result.statusCode} ${JSON.parse(result.body).error?.code}`);
        }
      },
      localEndpoints: {
        health: () => ({ status: "ok" }),
        notifications: () => ({ notifications: notifications.list().map(({ topicArn: _arn, ...n }) => n) }),
        executions: () => ({ executions: workflow.list() }),
        queue: () => ({
          ...queue.stats(),
          deadLetters: queue.deadLetterMessages().map((m) => JSON.parse(m.body)),
          confirmationDeadLetters: confirmationDeadLetters.map((e) => e.detail),
        }),
      },
    });
    server.keepAliveTimeout = 5_000;
    const port = await listen(server, options.port ?? 3000, host);
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const settled = async () => {
      for (;;) {
        await workflow.idle();
        await Promise.all([...pendingEvents]);
        if (queue.isDrained() && workflow.runningCount() === 0 && pendingEvents.size === 0) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    return {
      url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
      port,
      dynamoDbEndpoint: db.endpoint,
      tables: LOCAL_TABLES,
      notifications,
      queue,
      workflow,
      failWorkflowStarts: (orderId, times) => void injectedFaults.set(orderId, times),
      failConfirmations: (orderId, times) => void confirmationFaults.set(orderId, times),
      confirmationDeadLetters: () => confirmationDeadLetters,
      settled,
      stop: async () => {
        // Stop taking requests first, let running executions finish, then shut the stores.
        const [closeServer, ...rest] = cleanups.reverse();
        await closeServer();
        await queue.stop();
        await workflow.idle();
        await Promise.all([...pendingEvents]);
        for (const cleanup of rest) await cleanup();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}
