/**
 * Local Lambda: every function's bundle, configured from its contract as the stack configures it
 * (pointed at the local twins' endpoints), invoked with the deployed timeout and memory; then the
 * catalog is seeded as the stack's aws_lambda_invocation does (same handler, same catalog).
 */
import type { Settings } from "../../lambdas/platform/config";
import { DEFAULT_SETTINGS } from "../../lambdas/platform/config";
import catalog from "../../lambdas/catalog/catalog.json";
import type { RuntimeSettings } from "../runtime/settings";
import type { ServiceModule } from "../runtime/context";
import { LOCAL_SENDER_ADDRESS, localEnvironment } from "../runtime/resources";
import { LocalFunctions } from "./functions";
import { guardInvocation } from "./iam";

export interface LambdaService {
  readonly name: string;
  readonly functions: LocalFunctions;
  stop(): Promise<void>;
}

/** The deployment's settings as the functions read them (their contracts' environment). */
function functionSettings(settings: RuntimeSettings): Settings {
  return {
    ...DEFAULT_SETTINGS,
    paymentGateway: settings.paymentProvider,
    stripeApiBase: settings.stripeApiBase ?? DEFAULT_SETTINGS.stripeApiBase,
    customerEmails: settings.customerEmails,
    senderAddress: LOCAL_SENDER_ADDRESS,
    simulatedGatewayTransientFailures: String(settings.gatewayTransientFailures),
    apiAuth: settings.apiAuth,
    allowedOrigins: settings.allowedOrigins.join(","),
    stuckOrderMinutes: String(settings.stuckOrderMinutes),
    paymentActionTimeoutMinutes: String(settings.paymentActionTimeoutSeconds / 60),
    idempotencyKeyTtlHours: String(settings.idempotencyKeyTtlHours),
    reconcileDays: String(settings.reconcileDays),
    lowStockThreshold: String(settings.lowStockThreshold),
    returnWindowDays: String(settings.returnWindowDays),
  };
}

export const lambdaService: ServiceModule<LambdaService> = {
  name: "lambda",
  start: async (ctx) => {
    const { settings, endpoints, iam } = ctx;
    if (!endpoints.dynamoDb) throw new Error("Local Lambda starts after the DynamoDB endpoint");
    Object.assign(
      process.env,
      localEnvironment({
        dynamoDbEndpoint: endpoints.dynamoDb,
        secretsManagerEndpoint: endpoints.secretsManager,
        sesEndpoint: endpoints.ses,
        settings: functionSettings(settings),
      }),
    );
    const functions = new LocalFunctions(settings.projectRoot, {
      meter: ctx.meter,
      showLogs: settings.handlerLogs ?? false,
      onLog: settings.onHandlerLog,
      guardInvocation: iam && ((id, invoke) => guardInvocation(iam, id, invoke)),
    });
    const seeded = await functions.handler<unknown, { created: string[]; existing: string[] }>(
      "SeedInventory",
    )(settings.catalog ?? catalog);
    ctx.log(
      `Inventory: ${seeded.created.length} products seeded, ${seeded.existing.length} kept from the data dir`,
    );
    return { name: "lambda", functions, stop: async () => {} };
  },
};
