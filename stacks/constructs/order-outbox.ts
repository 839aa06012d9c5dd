import type { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { PipesPipe } from "@cdktf/provider-aws/lib/pipes-pipe";
import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import { ORDER_ATTRIBUTES } from "../../lambdas/orders/order";
import { ORDERS_TABLE } from "../../lambdas/platform/table-definitions";
import { allow, ServiceRole } from "./policy";

export interface OrderOutboxProps {
  readonly namePrefix: string;
  readonly accountId: string;
  /** The orders table, with its stream enabled (NEW_IMAGE). */
  readonly ordersTable: DynamodbTable;
  readonly ordersQueue: SqsQueue;
  /** Where stream records the pipe could not deliver after every retry go. */
  readonly deadLetterQueue: SqsQueue;
}

/**
 * Which stream records become OrdersQueue messages: an order written while PENDING (its creation, or
 * a replay that touches a stale one). Any later write (PROCESSING, CONFIRMED, FAILED) is filtered out.
 */
export const PENDING_ORDER_FILTER = {
  eventName: ["INSERT", "MODIFY"],
  dynamodb: { NewImage: { [ORDER_ATTRIBUTES.status]: { S: ["PENDING"] } } },
};

/**
 * The message each PENDING write becomes, as StartOrderProcessing reads it (orderMessageSchema): the
 * order id and the order's items as the stream record holds them (DynamoDB JSON, inserted unquoted),
 * so ValidateOrder prices them without reading the order again.
 */
export const ORDER_MESSAGE_TEMPLATE = `{"orderId": "<$.dynamodb.Keys.${ORDERS_TABLE.partitionKey}.S>", "items": <$.dynamodb.NewImage.items.L>}`;

/**
 * The transactional outbox: OrderPlacement only writes the order; the orders table's stream, carried
 * by an EventBridge Pipe, queues it. A recorded order is always queued, with no second call from the
 * function that could fail or time out after the write.
 */
export class OrderOutbox extends Construct {
  readonly pipe: PipesPipe;

  constructor(scope: Construct, id: string, props: OrderOutboxProps) {
    super(scope, id);
    const streamArn = props.ordersTable.streamArn;
    const role = new ServiceRole(this, "Role", {
      name: `${props.namePrefix}-order-outbox-pipe`,
      servicePrincipal: "pipes.amazonaws.com",
      sourceAccount: props.accountId,
      statements: [
        allow(
          "ReadOrderStream",
          [
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
          ],
          [streamArn],
        ),
        allow("QueueOrders", ["sqs:SendMessage"], [props.ordersQueue.arn]),
        allow("DeadLetterUndeliveredRecords", ["sqs:SendMessage"], [props.deadLetterQueue.arn]),
      ],
    });
    this.pipe = new PipesPipe(this, "Pipe", {
      name: `${props.namePrefix}-order-outbox`,
      description: "Orders table stream → OrdersQueue: every order written PENDING is queued",
      roleArn: role.role.arn,
      source: streamArn,
      target: props.ordersQueue.arn,
      sourceParameters: {
        dynamodbStreamParameters: {
          // From the stream's start: nothing written before the pipe existed is skipped.
          startingPosition: "TRIM_HORIZON",
          batchSize: 10,
          maximumBatchingWindowInSeconds: 1,
          maximumRetryAttempts: 10,
          // Stream records live 24 hours; give up (to the dead-letter queue) well before.
          maximumRecordAgeInSeconds: 3600,
          onPartialBatchItemFailure: "AUTOMATIC_BISECT",
          deadLetterConfig: { arn: props.deadLetterQueue.arn },
        },
        filterCriteria: { filter: [{ pattern: JSON.stringify(PENDING_ORDER_FILTER) }] },
      },
      targetParameters: { inputTemplate: ORDER_MESSAGE_TEMPLATE },
      // The policy must exist before the pipe starts reading, or its first calls are denied.
      dependsOn: role.policy ? [role.policy] : [],
    });
    this.pipe.overrideLogicalId("OrderOutboxPipe");
  }
}
