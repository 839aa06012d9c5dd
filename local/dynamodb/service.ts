/**
 * Local DynamoDB: dynalite (its own supervised process, on loopback whatever --host says) with the
 * stack's tables, and the endpoint every billed caller uses, where each request is metered and, with
 * local IAM on, authorized against its signer's role (billing.ts, in the database's process).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { StatusReply } from "../admin/routes";
import { accessKeyOf } from "../iam/access-guard";
import type { ServiceModule } from "../runtime/context";
import { LOCAL_REGION, LOCAL_TABLES } from "../runtime/resources";
import { startDatabaseService, type DatabaseService } from "./database";
import { dynamoDbDecisions } from "./iam";

export const dynamoDbService: ServiceModule<DatabaseService> = {
  name: "dynamodb",
  start: async ({ settings, log, meter, iam }) => {
    const database = await startDatabaseService({
      tables: LOCAL_TABLES,
      dataDir: settings.dataDir,
      host: "127.0.0.1",
      inProcess: settings.inProcessDatabase,
      log,
      onFatal: settings.onFatal,
      billing: {
        record: (operation, units) => meter.record("DynamoDB", operation, units),
        ...(iam && { decide: dynamoDbDecisions(iam) }),
      },
    });
    return {
      ...database,
      routes: {
        get: {
          health: () =>
            database.healthy()
              ? { status: "ok" }
              : new StatusReply(503, {
                  status: "database-down",
                  message: "The local DynamoDB is restarting.",
                }),
        },
      },
    };
  },
};

export interface DynamoDbEndpoint {
  readonly name: string;
  readonly endpoint: string;
  /** The state machine's client: its DynamoDB task is billed and authorized as the workflow. */
  readonly workflowClient: DynamoDBClient;
  stop(): Promise<void>;
}

/** The billed (and authorized) endpoint the functions and the workflow call; the runtime's own reads go around it. */
export const dynamoDbEndpointService: ServiceModule<DynamoDbEndpoint> = {
  name: "dynamodb-endpoint",
  start: async (ctx) => {
    // Always open: dynamoDbService starts the database with its billing.
    const endpoint = ctx.need(dynamoDbService).billedEndpoint!;
    ctx.endpoints.dynamoDb = endpoint;
    const workflowClient = new DynamoDBClient({
      endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: accessKeyOf("Workflow"), secretAccessKey: "local" },
    });
    return {
      name: "dynamodb-endpoint",
      endpoint,
      workflowClient,
      stop: async () => workflowClient.destroy(),
    };
  },
};
