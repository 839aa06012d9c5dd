/** The local console: the page (GET /_local/console), what it reads, and the event feed (GET /_local/events). */
import { cognitoService } from "../cognito/service";
import { dynamoDbService } from "../dynamodb/service";
import { eventBridgeService } from "../eventbridge/service";
import { pipesService } from "../pipes/service";
import type { ServiceModule } from "../runtime/context";
import type { LocalService } from "../runtime/service";
import { LOCAL_TABLES } from "../runtime/resources";
import { stepFunctionsService } from "../sfn/service";
import { snsService } from "../sns/service";
import { sqsService } from "../sqs/service";
import { consoleEndpoints, consoleFiles } from "./console-service";
import { serveEventStream } from "./event-feed";
import { UNEXPECTED_FAILURE_METRIC } from "../../lambdas/workflow/definition";

export const consoleService: ServiceModule<LocalService> = {
  name: "console",
  start: (ctx) => {
    const workflow = ctx.need(stepFunctionsService);
    const events = ctx.need(eventBridgeService);
    const outbox = ctx.need(pipesService);
    const get = consoleEndpoints({
      client: ctx.need(dynamoDbService).client,
      tables: LOCAL_TABLES,
      feed: ctx.feed,
      metrics: ctx.watch.metrics,
      queue: ctx.need(sqsService).queue,
      workflow: workflow.workflow,
      definition: workflow.definition,
      notifications: ctx.need(snsService).notifications,
      confirmationDeadLetters: () => events.deadLetters().length,
      streamDeadLetters: () => outbox.deadLetters().length,
      unexpectedFailures: () => workflow.metricTimes(UNEXPECTED_FAILURE_METRIC),
      signIn: ctx.need(cognitoService).userPool !== undefined,
      paymentProvider: ctx.settings.paymentProvider,
      lowStockThreshold: ctx.settings.lowStockThreshold,
    });
    return {
      name: "console",
      routes: {
        get,
        streams: {
          events: (req, res, query) => serveEventStream(ctx.feed, req, res, query),
          ...consoleFiles(),
        },
      },
      stop: async () => {},
    };
  },
};
