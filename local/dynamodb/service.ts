/**
 * Local DynamoDB: dynalite (its own supervised process, on loopback whatever --host says) with the
 * stack's tables, and in front of it the endpoint every billed caller uses, where each request is
 * metered and, with local IAM on, authorized against its signer's role.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { StatusReply } from "../admin/routes";
import { accessKeyOf } from "../iam/access-guard";
import { startDynamoDbMeter } from "../meter/dynamodb-meter";
import type { ServiceModule } from "../runtime/context";
import { LOCAL_REGION, LOCAL_TABLES } from "../runtime/resources";
import { startDatabaseService, type DatabaseService } from "./database";
import { dynamoDbAuthorizer } from "./iam";

export const dynamoDbService: ServiceModule<DatabaseService> = {
  name: "dynamodb",
  start: async ({ settings, log }) => {
    const database = await startDatabaseService({
      tables: LOCAL_TABLES,
      dataDir: settings.dataDir,
      host: "127.0.0.1",
      inProcess: settings.inProcessDatabase,
      log,
      onFatal: settings.onFatal,
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

/** The metered (and authorized) endpoint the functions and the workflow call; the runtime's own reads go around it. */
export const dynamoDbEndpointService: ServiceModule<DynamoDbEndpoint> = {
  name: "dynamodb-endpoint",
  start: async (ctx) => {
    const database = ctx.need(dynamoDbService);
    const front = await startDynamoDbMeter(
      () => database.endpoint,
      ctx.meter,
      ctx.iam && dynamoDbAuthorizer(ctx.iam),
    );
    ctx.endpoints.dynamoDb = front.endpoint;
    const workflowClient = new DynamoDBClient({
      endpoint: front.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: accessKeyOf("Workflow"), secretAccessKey: "local" },
    });
    return {
      name: "dynamodb-endpoint",
      endpoint: front.endpoint,
      workflowClient,
      stop: async () => {
        workflowClient.destroy();
        await front.stop();
      },
    };
  },
};
