/** Local Step Functions: the deployed definition, its tasks bound to Lambda, SNS, DynamoDB and the default bus. */
import { dynamoDbEndpointService } from "../dynamodb/service";
import { eventBridgeService } from "../eventbridge/service";
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import { snsService } from "../sns/service";
import { guardTaskTargets } from "./iam";
import { startWorkflowService, type WorkflowService } from "./workflow";

export const stepFunctionsService: ServiceModule<WorkflowService> = {
  name: "stepfunctions",
  start: (ctx) => {
    const { settings, iam } = ctx;
    const events = ctx.need(eventBridgeService);
    const workflow = startWorkflowService({
      functions: ctx.need(lambdaService).functions,
      notifications: ctx.need(snsService).notifications,
      dynamodb: ctx.need(dynamoDbEndpointService).workflowClient,
      meter: ctx.meter,
      log: ctx.log,
      retryIntervalMs: settings.retryIntervalMs,
      type: settings.workflowType,
      onFinished: events.executionFinished,
      putEvents: events.putEvents,
      onStep: ctx.watch.onStep,
      enforce: iam && ((targets) => guardTaskTargets(iam, targets)),
    });
    return { ...workflow, routes: { get: { executions: () => ({ executions: workflow.workflow.list() }) } } };
  },
};
