/** Local Step Functions: the deployed definition, its tasks bound to Lambda, SNS, DynamoDB and the default bus. */
import { dynamoDbEndpointService } from "../dynamodb/service";
import { eventBridgeService } from "../eventbridge/service";
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import { snsService } from "../sns/service";
import { FUNCTIONS } from "../../lambdas/platform/contracts";
import { guardCallbacks, guardTaskTargets } from "./iam";
import { startWorkflowService, type WorkflowService } from "./workflow";

export const stepFunctionsService: ServiceModule<WorkflowService> = {
  name: "stepfunctions",
  start: (ctx) => {
    const { settings, iam } = ctx;
    const events = ctx.need(eventBridgeService);
    const { functions } = ctx.need(lambdaService);
    const workflow = startWorkflowService({
      functions,
      notifications: ctx.need(snsService).notifications,
      dynamodb: ctx.need(dynamoDbEndpointService).workflowClient,
      meter: ctx.meter,
      log: ctx.log,
      retryIntervalMs: settings.retryIntervalMs,
      type: settings.workflowType,
      paymentActionTimeoutSeconds: settings.paymentActionTimeoutSeconds,
      onFinished: events.executionFinished,
      putEvents: events.putEvents,
      onStep: ctx.watch.onStep,
      enforce: iam && ((targets) => guardTaskTargets(iam, targets)),
    });
    // The callback API goes to the functions whose contract may answer a waiting step.
    for (const spec of FUNCTIONS) {
      const answers = (action: string) => spec.access.some((grant) => grant.actions.includes(action));
      if (!answers("states:SendTaskSuccess") && !answers("states:SendTaskFailure")) continue;
      const callbacks = workflow.tokens.callbacks;
      functions.givePorts(spec.id, { callbacks: iam ? guardCallbacks(iam, spec.id, callbacks) : callbacks });
    }
    return { ...workflow, routes: { get: { executions: () => ({ executions: workflow.workflow.list() }) } } };
  },
};
