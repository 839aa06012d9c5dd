import { createHash } from "node:crypto";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { ApiGatewayAuthorizer } from "@cdktf/provider-aws/lib/api-gateway-authorizer";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayGatewayResponse } from "@cdktf/provider-aws/lib/api-gateway-gateway-response";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayIntegrationResponse } from "@cdktf/provider-aws/lib/api-gateway-integration-response";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayMethodResponse } from "@cdktf/provider-aws/lib/api-gateway-method-response";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayModel } from "@cdktf/provider-aws/lib/api-gateway-model";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Fn, Op, Token, type IResolvable, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, preflightHeaders } from "../../lambdas/platform/cors";
import { GATEWAY_RESPONSES, type GatewayResponse } from "../../lambdas/platform/gateway-responses";
import { placeOrderJsonSchema } from "../../lambdas/orders/order-request-schema";
import {
  API_ROUTES,
  AUTHORIZER_RESULT_TTL_SECONDS,
  DEFAULT_ROOT_METHOD,
  rootRoute,
  type ApiHandler,
  type ApiRoute,
} from "../../lambdas/platform/routes";
import { ServiceRole } from "./policy";

export interface OrderApiProps {
  readonly namePrefix: string;
  readonly apiName: string;
  /** GET, POST or PUT: the seed's ApiGatewayRootMethod. */
  readonly rootHttpMethod: string;
  readonly stageName: string;
  /** The live alias of each function the route table names (OrderPlacement, PaymentEvents). */
  readonly handlers: Readonly<Record<ApiHandler, LambdaAlias>>;
  readonly logRetentionDays: number;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly manageAccountSettings: boolean;
  readonly partition: string;
  /** The api_auth variable: `cognito` puts the authorizer on every customer route, `none` does not. */
  readonly apiAuth: string;
  /** The customer pool whose ID tokens the authorizer accepts. */
  readonly userPoolArn: string;
  /** The allowed_origins variable (a list); empty: no CORS. */
  readonly allowedOrigins: string[];
}

/**
 * Error bodies API Gateway itself answers with, in the API's one error shape. Gateway response
 * templates are plain substitution, not VTL: `$context.error.messageString` arrives already quoted,
 * and the validation error string may contain quotes, so body-validation errors get a fixed message
 * (the function returns the detailed, per-field errors for everything the model lets through).
 */
export const GATEWAY_ERROR_TEMPLATES: Record<string, { status?: string; template: string }> =
  Object.fromEntries(
    Object.entries(GATEWAY_RESPONSES).map(([type, response]: [string, GatewayResponse]) => [
      type,
      {
        status: response.status === undefined ? undefined : String(response.status),
        template: errorTemplate(
          response.code,
          response.message === null ? "$context.error.messageString" : JSON.stringify(response.message),
        ),
      },
    ]),
  );

function errorTemplate(code: string, messageJson: string): string {
  return `{"error":{"code":"${code}","message":${messageJson},"details":null}}`;
}

/**
 * The REST API: routes from the shared route table, the root method, request validation, a
 * deployment that is replaced whenever the routes change, and a stage with throttling, access
 * logs and X-Ray.
 */
interface RequestValidation {
  readonly model: ApiGatewayModel;
  readonly bodyValidator: ApiGatewayRequestValidator;
  readonly paramsValidator: ApiGatewayRequestValidator;
  readonly orderSchema: string;
}

export class OrderApi extends Construct {
  readonly restApi: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly rootMethod: ApiGatewayMethod;
  /** Everything whose change must redeploy the stage. */
  private readonly redeploymentInputs: string[] = [];
  private readonly integrations: ITerraformDependable[] = [];
  private readonly resourceIds = new Map<string, string>();
  private readonly authorizer: ApiGatewayAuthorizer;
  /** `length(var.allowed_origins) > 0`. */
  private readonly corsEnabled: IResolvable;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: OrderApiProps,
  ) {
    super(scope, id);
    this.restApi = new ApiGatewayRestApi(this, "RestApi", {
      name: props.apiName,
      description: "E-commerce order placement API",
      endpointConfiguration: { types: ["REGIONAL"] },
    });
    this.restApi.overrideLogicalId("ApiGateway");
    // cdktf renders a literal 0 operand as `undefined`, hence `>= 1` rather than `> 0`.
    this.corsEnabled = Op.gte(Fn.lengthOf(props.allowedOrigins), 1);
    this.authorizer = new ApiGatewayAuthorizer(this, "CustomerAuthorizer", {
      name: "customers",
      restApiId: this.restApi.id,
      type: "COGNITO_USER_POOLS",
      providerArns: [props.userPoolArn],
      identitySource: "method.request.header.Authorization",
      authorizerResultTtlInSeconds: AUTHORIZER_RESULT_TTL_SECONDS,
    });
    const validation = this.requestValidation();
    this.resourceIds.set("/", this.restApi.rootResourceId);
    this.redeploymentInputs.push(
      createHash("sha256").update(JSON.stringify(API_ROUTES)).update(validation.orderSchema).digest("hex"),
      this.authorizer.id,
      props.apiAuth,
      Fn.jsonencode(props.allowedOrigins),
    );
    for (const route of API_ROUTES) this.addRoute(route, validation);
    this.rootMethod = this.addRootMethod(validation);
    this.addPreflights();
    this.addGatewayResponses();

    const deployment = new ApiGatewayDeployment(this, "Deployment", {
      restApiId: this.restApi.id,
      description: "Replaced whenever a route, method, integration or the order model changes",
      triggers: { redeployment: Fn.sha1(Fn.jsonencode(this.redeploymentInputs)) },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: this.integrations,
    });
    deployment.overrideLogicalId("ApiGatewayDeployment");
    this.stage = this.addStage(deployment);
    new LambdaPermission(this, "InvokePermission", {
      statementId: "AllowApiGatewayInvoke",
      action: "lambda:InvokeFunction",
      functionName: props.handlers.OrderPlacement.functionName,
      qualifier: props.handlers.OrderPlacement.name,
      principal: "apigateway.amazonaws.com",
      // Only this API (any stage, method and route of it) may invoke the function.
      sourceArn: `${this.restApi.executionArn}/*/*`,
    });
    // PaymentEvents and AfterSale: only their own routes of this API (any stage), one permission each.
    for (const route of API_ROUTES.filter((r) => r.handler !== "OrderPlacement")) {
      const alias = props.handlers[route.handler];
      const name = `${route.handler}_${route.operation}`;
      new LambdaPermission(this, `InvokePermission_${name}`, {
        statementId: `AllowApiGatewayInvoke_${name}`,
        action: "lambda:InvokeFunction",
        functionName: alias.functionName,
        qualifier: alias.name,
        principal: "apigateway.amazonaws.com",
        // API Gateway names a path parameter `*` in the source ARN of an invocation.
        sourceArn: `${this.restApi.executionArn}/*/${route.method}${route.resourcePath.replace(/\{\w+\}/g, "*")}`,
      });
    }
  }

  /** The order model and the two validators (body; path and query parameters). */
  private requestValidation(): RequestValidation {
    const apiId = this.restApi.id;
    const orderSchema = JSON.stringify(placeOrderJsonSchema());
    const model = new ApiGatewayModel(this, "OrderRequestModel", {
      restApiId: apiId,
      name: "PlaceOrderRequest",
      contentType: "application/json",
      schema: orderSchema,
    });
    const bodyValidator = new ApiGatewayRequestValidator(this, "BodyValidator", {
      restApiId: apiId,
      name: "validate-body",
      validateRequestBody: true,
      validateRequestParameters: false,
    });
    const paramsValidator = new ApiGatewayRequestValidator(this, "ParametersValidator", {
      restApiId: apiId,
      name: "validate-parameters",
      validateRequestBody: false,
      validateRequestParameters: true,
    });
    return { model, bodyValidator, paramsValidator, orderSchema };
  }

  /** The resource of a path of the route table, its parents created first. */
  private resourceFor(path: string): string {
    const existing = this.resourceIds.get(path);
    if (existing) return existing;
    const parentPath = path.slice(0, path.lastIndexOf("/")) || "/";
    const segment = path.slice(path.lastIndexOf("/") + 1);
    const resource = new ApiGatewayResource(this, `Resource${path.replace(/[^A-Za-z0-9]/g, "_")}`, {
      restApiId: this.restApi.id,
      parentId: this.resourceFor(parentPath),
      pathPart: segment,
    });
    this.resourceIds.set(path, resource.id);
    this.redeploymentInputs.push(resource.id);
    return resource.id;
  }

  /** A Lambda proxy integration of a method with its route's function. */
  private integrate(
    logicalId: string,
    resourceId: string,
    method: ApiGatewayMethod,
    handler: ApiHandler = "OrderPlacement",
  ): void {
    const integration = new ApiGatewayIntegration(this, logicalId, {
      restApiId: this.restApi.id,
      resourceId,
      httpMethod: method.httpMethod,
      type: "AWS_PROXY",
      integrationHttpMethod: "POST",
      uri: this.props.handlers[handler].invokeArn,
    });
    this.redeploymentInputs.push(method.id, integration.id, integration.uri);
    this.integrations.push(integration);
  }

  /**
   * Who may call a route: a customer route takes the Cognito authorizer unless api_auth = none;
   * a public route is open.
   */
  private authorizationOf(route: ApiRoute): { authorization: string; authorizerId?: string } {
    if (route.access === "public") return { authorization: "NONE" };
    const signedIn = Op.eq(this.props.apiAuth, "cognito");
    return {
      authorization: Token.asString(Fn.conditional(signedIn, "COGNITO_USER_POOLS", "NONE")),
      authorizerId: Token.asString(Fn.conditional(signedIn, this.authorizer.id, Token.nullValue())),
    };
  }

  private addRoute(route: ApiRoute, v: RequestValidation): void {
    const resourceId = this.resourceFor(route.resourcePath);
    const name = `${route.method}${route.resourcePath.replace(/[^A-Za-z0-9]/g, "_")}`;
    const pathParams = [...route.resourcePath.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const method = new ApiGatewayMethod(this, `Method_${name}`, {
      restApiId: this.restApi.id,
      resourceId,
      httpMethod: route.method,
      ...this.authorizationOf(route),
      requestValidatorId: route.validatesBody
        ? v.bodyValidator.id
        : pathParams.length
          ? v.paramsValidator.id
          : undefined,
      requestModels: route.validatesBody ? { "application/json": v.model.name } : undefined,
      requestParameters: pathParams.length
        ? Object.fromEntries(pathParams.map((p) => [`method.request.path.${p}`, true]))
        : undefined,
    });
    this.integrate(`Integration_${name}`, resourceId, method, route.handler);
  }

  /** The seed's root method: its verb comes from a variable, validated to GET/POST/PUT. */
  private addRootMethod(v: RequestValidation): ApiGatewayMethod {
    const rootIsGet = Op.eq(this.props.rootHttpMethod, "GET");
    const method = new ApiGatewayMethod(this, "RootMethod", {
      restApiId: this.restApi.id,
      resourceId: this.restApi.rootResourceId,
      httpMethod: this.props.rootHttpMethod,
      ...this.authorizationOf(rootRoute(DEFAULT_ROOT_METHOD)),
      requestValidatorId: Token.asString(Fn.conditional(rootIsGet, v.paramsValidator.id, v.bodyValidator.id)),
      requestModels: Token.asStringMap(Fn.conditional(rootIsGet, {}, { "application/json": v.model.name })),
    });
    method.overrideLogicalId("ApiGatewayRootMethod");
    this.integrate("RootIntegration", this.restApi.rootResourceId, method);
    return method;
  }

  /**
   * CORS preflight (only when allowed_origins is set): an OPTIONS mock on every resource that answers
   * an allowed Origin with the CORS headers and any other origin without them.
   */
  private addPreflights(): void {
    // The root method's verb is the http_method variable.
    const methodsByPath = new Map<string, string[]>([["/", [this.props.rootHttpMethod]]]);
    // The storefront's routes only: the payment provider's webhook is never called from a browser.
    for (const route of API_ROUTES.filter((r) => r.handler === "OrderPlacement")) {
      methodsByPath.set(route.resourcePath, [...(methodsByPath.get(route.resourcePath) ?? []), route.method]);
    }
    const count = Token.asNumber(Fn.conditional(this.corsEnabled, 1, 0));
    // The mapping template echoes the request's Origin only when it is one of the allowed origins.
    const originAllowed = Fn.join(" || ", Fn.formatlist("$origin == '%s'", [this.props.allowedOrigins]));
    const template = [
      '#set($origin = $input.params().header.get("Origin"))',
      '#if("$!origin" == "")#set($origin = $input.params().header.get("origin"))#end',
      `#if(${originAllowed})`,
      "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
      "#end",
    ].join("\n");
    for (const [path, methods] of methodsByPath) {
      const name = path.replace(/[^A-Za-z0-9]/g, "_");
      const resourceId = this.resourceFor(path);
      const headers = preflightHeaders([...new Set(methods)]);
      const header = (h: string) => `method.response.header.${h}`;
      const method = new ApiGatewayMethod(this, `Preflight_${name}`, {
        count,
        restApiId: this.restApi.id,
        resourceId,
        httpMethod: "OPTIONS",
        authorization: "NONE",
      });
      const integration = new ApiGatewayIntegration(this, `PreflightIntegration_${name}`, {
        count,
        restApiId: this.restApi.id,
        resourceId,
        httpMethod: "OPTIONS",
        type: "MOCK",
        requestTemplates: { "application/json": '{"statusCode": 200}' },
        dependsOn: [method],
      });
      const response = new ApiGatewayMethodResponse(this, `PreflightResponse_${name}`, {
        count,
        restApiId: this.restApi.id,
        resourceId,
        httpMethod: "OPTIONS",
        statusCode: "200",
        responseParameters: Object.fromEntries(
          [...Object.keys(headers), "Access-Control-Allow-Origin", "Vary"].map((h) => [header(h), false]),
        ),
        dependsOn: [method],
      });
      const integrationResponse = new ApiGatewayIntegrationResponse(
        this,
        `PreflightIntegrationResponse_${name}`,
        {
          count,
          restApiId: this.restApi.id,
          resourceId,
          httpMethod: "OPTIONS",
          statusCode: "200",
          responseParameters: {
            ...Object.fromEntries(Object.entries(headers).map(([h, value]) => [header(h), `'${value}'`])),
            [header("Vary")]: "'Origin'",
          },
          responseTemplates: { "application/json": template },
          dependsOn: [integration, response],
        },
      );
      this.integrations.push(integration, integrationResponse);
      const staticHeaders = { path, headers: path === "/" ? CORS_ALLOWED_HEADERS : headers };
      this.redeploymentInputs.push(createHash("sha256").update(JSON.stringify(staticHeaders)).digest("hex"));
    }
  }

  /**
   * API Gateway's own answers (401 from the authorizer, throttling, a bad body) in the API's error
   * shape. With CORS on they carry the first allowed origin: a gateway response can only carry fixed
   * header values, not the request's origin checked against a list.
   */
  private addGatewayResponses(): void {
    const firstOrigin = Fn.one(
      Fn.slice(this.props.allowedOrigins, 0, Fn.min([1, Fn.lengthOf(this.props.allowedOrigins)])),
    );
    const corsHeaders = Token.asStringMap(
      Fn.conditional(
        this.corsEnabled,
        {
          "gatewayresponse.header.Access-Control-Allow-Origin": `'${firstOrigin}'`,
          "gatewayresponse.header.Access-Control-Expose-Headers": `'${CORS_EXPOSED_HEADERS.join(", ")}'`,
          "gatewayresponse.header.Vary": "'Origin'",
        },
        {},
      ),
    );
    for (const [type, body] of Object.entries(GATEWAY_ERROR_TEMPLATES)) {
      new ApiGatewayGatewayResponse(this, `GatewayResponse_${type}`, {
        restApiId: this.restApi.id,
        responseType: type,
        statusCode: body.status,
        responseTemplates: { "application/json": body.template },
        responseParameters: corsHeaders,
      });
    }
  }

  /** API Gateway's CloudWatch role, when this stack manages the account's settings. */
  private accountSettings(): ApiGatewayAccount[] {
    if (!this.props.manageAccountSettings) return [];
    // Access logs need the account-level CloudWatch role (one per account and region).
    const cloudwatchRole = new ServiceRole(this, "CloudWatchRole", {
      name: `${this.props.namePrefix}-apigateway-cloudwatch`,
      servicePrincipal: "apigateway.amazonaws.com",
      statements: [],
    });
    new IamRolePolicyAttachment(this, "CloudWatchRoleManagedPolicy", {
      role: cloudwatchRole.role.name,
      policyArn: `arn:${this.props.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
    });
    return [new ApiGatewayAccount(this, "AccountSettings", { cloudwatchRoleArn: cloudwatchRole.role.arn })];
  }

  /** The stage with access logs, X-Ray, metrics and throttling. */
  private addStage(deployment: ApiGatewayDeployment): ApiGatewayStage {
    const props = this.props;
    const accessLogs = new CloudwatchLogGroup(this, "AccessLogGroup", {
      name: `/aws/apigateway/${props.namePrefix}-access-logs`,
      retentionInDays: props.logRetentionDays,
    });
    const accountSettings = this.accountSettings();
    const stage = new ApiGatewayStage(this, "Stage", {
      restApiId: this.restApi.id,
      deploymentId: deployment.id,
      stageName: props.stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: JSON.stringify(ACCESS_LOG_FORMAT) },
      dependsOn: accountSettings,
    });
    stage.overrideLogicalId("ApiGatewayStage");
    new ApiGatewayMethodSettings(this, "StageSettings", {
      restApiId: this.restApi.id,
      stageName: stage.stageName,
      methodPath: "*/*",
      settings: {
        metricsEnabled: true,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
      },
    });
    return stage;
  }
}

const ACCESS_LOG_FORMAT = {
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  responseLength: "$context.responseLength",
  integrationLatency: "$context.integrationLatency",
  errorMessage: "$context.error.message",
};
