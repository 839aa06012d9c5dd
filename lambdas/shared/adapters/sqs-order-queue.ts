import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { OrderQueue, OrderQueueMessage } from "../ports";

export class SqsOrderQueue implements OrderQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: OrderQueueMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: { orderId: { DataType: "String", StringValue: message.orderId } },
      }),
    );
  }
}
