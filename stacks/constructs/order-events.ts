import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import { orderConfirmationPattern } from "../../lambdas/shared/events";

export interface OrderEventsProps {
  readonly namePrefix: string;
  readonly stateMachineArn: string;
  readonly successHandler: LambdaFunction;
}

/** OrderConfirmationRule: successful executions → OrderSuccessHandlerLambda. */
export class OrderEvents extends Construct {
  readonly rule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: OrderEventsProps) {
    super(scope, id);
    this.rule = new CloudwatchEventRule(this, "Rule", {
      name: `${props.namePrefix}-order-confirmation`,
      description: "Order workflow executions that succeeded go to OrderSuccessHandlerLambda",
      eventPattern: JSON.stringify(orderConfirmationPattern(props.stateMachineArn)),
    });
    this.rule.overrideLogicalId("OrderConfirmationRule");
    new CloudwatchEventTarget(this, "Target", {
      rule: this.rule.name,
      arn: props.successHandler.arn,
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
    });
    new LambdaPermission(this, "InvokePermission", {
      statementId: "AllowOrderConfirmationRule",
      action: "lambda:InvokeFunction",
      functionName: props.successHandler.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.rule.arn,
    });
  }
}
