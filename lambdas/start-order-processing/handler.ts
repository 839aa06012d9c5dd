/** StartOrderProcessingLambda: OrdersQueue batches → one state machine execution per order. */
import { SFNClient } from "@aws-sdk/client-sfn";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { StepFunctionsWorkflowStarter } from "../workflow/adapters/sfn-workflow-starter";
import type { WorkflowStarter } from "../workflow/ports";
import { createObservability, instrumented } from "../platform/observability";
import { workflowInputOf } from "../workflow/io";
import { functionConfig, START_ORDER_PROCESSING_CONFIG } from "../platform/config";

export interface StartOrderProcessingDeps {
  readonly workflow: WorkflowStarter;
}

const observability = createObservability("start-order-processing");
const config = functionConfig("StartOrderProcessing", START_ORDER_PROCESSING_CONFIG);
const { logger, metrics } = observability;

export function createHandler(overrides: Partial<StartOrderProcessingDeps> = {}) {
  const deps: StartOrderProcessingDeps = {
    workflow:
      overrides.workflow ??
      new StepFunctionsWorkflowStarter(new SFNClient({ maxAttempts: 3 }), config.stateMachineArn),
  };

  const processRecord = async (record: SQSRecord): Promise<void> => {
    // A malformed message throws: it is redelivered and, after maxReceiveCount, dead-lettered.
    const input = workflowInputOf(JSON.parse(record.body));
    const { orderId } = input;
    const outcome = await deps.workflow.start(orderId, input);
    logger.info(outcome === "started" ? "Order workflow started" : "Order workflow already started", {
      orderId,
      messageId: record.messageId,
      receiveCount: record.attributes.ApproximateReceiveCount,
    });
    if (outcome === "started") metrics.addMetric("WorkflowsStarted", MetricUnit.Count, 1);
  };

  return (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
    instrumented(observability, context, async () => {
      // Failed records are reported one by one (ReportBatchItemFailures); the rest of the batch is done.
      const processor = new BatchProcessor(EventType.SQS);
      const response = await processPartialResponse(event, processRecord, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
      if (response.batchItemFailures.length > 0) {
        logger.warn("Some messages failed and will be redelivered", {
          failed: response.batchItemFailures.map((f) => f.itemIdentifier),
          errors: processor.errors.map((e) => e.message),
        });
      }
      return response;
    });
}

export const handler = createHandler();
