/** Local SQS: OrdersQueue and its event source mapping to StartOrderProcessing, which starts executions. */
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import { LOCAL_RESOURCES } from "../runtime/resources";
import { guardStarter } from "../sfn/iam";
import { stepFunctionsService } from "../sfn/service";
import { snsService } from "../sns/service";
import { startQueueService, type QueueService } from "./consumer";
import { checkEventSourceMapping } from "./iam";

export const sqsService: ServiceModule<QueueService> = {
  name: "sqs",
  start: (ctx) => {
    const { settings, iam } = ctx;
    if (iam) checkEventSourceMapping(iam, "StartOrderProcessing", LOCAL_RESOURCES.ordersQueue.arn);
    const { starter } = ctx.need(stepFunctionsService);
    const guarded = iam ? guardStarter(iam, "StartOrderProcessing", starter) : starter;
    const workflow = settings.wrapPorts?.workflowStarter?.(guarded) ?? guarded;
    return startQueueService({
      consumer: ctx
        .need(lambdaService)
        .functions.handler<SQSEvent, SQSBatchResponse>("StartOrderProcessing", {
          workflow,
        }),
      notifications: ctx.need(snsService).notifications,
      visibilityTimeoutMs: settings.visibilityTimeoutMs,
      batchingWindowMs: settings.batchingWindowMs,
      concurrency: settings.queueConcurrency,
      dataDir: settings.dataDir,
      log: ctx.log,
      meter: ctx.meter,
    });
  },
};
