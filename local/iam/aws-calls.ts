/**
 * What IAM checks each AWS call the system makes implies, as AWS authorizes it: the action and the
 * resource ARN, and the calls that imply more than one (a DynamoDB transaction checks each item's own
 * action; a publish to a KMS-encrypted topic needs the key too).
 */
import { LOCAL_RESOURCES, tableArn } from "../runtime/resources";
import type { Check } from "./access-guard";

type DynamoDbRequest = Record<string, unknown>;

/** Transaction items: IAM checks each with the action of the single-item call it stands for. */
const TRANSACT_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
  Get: "dynamodb:GetItem",
};

function transactionChecks(request: DynamoDbRequest): Check[] {
  const items = (request.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? [];
  return items.flatMap((item) =>
    Object.entries(item)
      .filter(([kind]) => kind in TRANSACT_ITEM_ACTIONS)
      .map(([kind, body]) => ({
        action: TRANSACT_ITEM_ACTIONS[kind],
        resource: tableArn(String(body.TableName)),
      })),
  );
}

/** The checks of one DynamoDB request (X-Amz-Target's operation and its JSON body). */
export function dynamoDbChecks(operation: string, request: DynamoDbRequest): Check[] {
  const action = `dynamodb:${operation}`;
  switch (operation) {
    case "TransactWriteItems":
    case "TransactGetItems":
      return transactionChecks(request);
    case "BatchGetItem":
    case "BatchWriteItem":
      return Object.keys((request.RequestItems as object | undefined) ?? {}).map((table) => ({
        action,
        resource: tableArn(table),
      }));
    case "Query":
    case "Scan": {
      const table = tableArn(String(request.TableName));
      const index = request.IndexName ? `${table}/index/${String(request.IndexName)}` : table;
      return [{ action, resource: index }];
    }
    default:
      return [{ action, resource: tableArn(String(request.TableName)) }];
  }
}

/** Publishing to an SSE-KMS topic: the topic, and the key SNS encrypts the message with. */
export function snsPublishChecks(topicArn: string): Check[] {
  const key = LOCAL_RESOURCES.topicKey.arn;
  return [
    { action: "sns:Publish", resource: topicArn },
    { action: "kms:GenerateDataKey", resource: key },
    { action: "kms:Decrypt", resource: key },
  ];
}

export const startExecutionChecks = (stateMachineArn: string): Check[] => [
  { action: "states:StartExecution", resource: stateMachineArn },
];

export const invokeFunctionChecks = (functionArn: string): Check[] => [
  { action: "lambda:InvokeFunction", resource: functionArn },
];

export const putEventsChecks = (eventBusArn: string): Check[] => [
  { action: "events:PutEvents", resource: eventBusArn },
];

/** What Lambda's event source mapping does with a queue, with the function's role. */
export const receiveMessageChecks = (queueArn: string): Check[] =>
  ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"].map((action) => ({
    action,
    resource: queueArn,
  }));

export const sendMessageChecks = (queueArn: string): Check[] => [
  { action: "sqs:SendMessage", resource: queueArn },
];

export const getSecretValueChecks = (secretArn: string): Check[] => [
  { action: "secretsmanager:GetSecretValue", resource: secretArn },
];

/** SES authorizes a send against the sending identity, the configuration set and the template. */
export function sendEmailChecks(send: {
  identityArn: string;
  configurationSetArn?: string;
  templateArn?: string;
}): Check[] {
  return [send.identityArn, send.configurationSetArn, send.templateArn]
    .filter((resource): resource is string => resource !== undefined)
    .map((resource) => ({ action: "ses:SendEmail", resource }));
}
