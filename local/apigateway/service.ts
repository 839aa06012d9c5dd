/**
 * Local API Gateway: the stage in front of OrderPlacement and PaymentEvents (with the Cognito authorizer's twin on
 * customer routes), and every service's /_local routes beside it. Started last: it serves them all.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { AdminRoutes } from "../admin/routes";
import { cognitoService } from "../cognito/service";
import { lambdaService } from "../lambda/service";
import type { ServiceModule } from "../runtime/context";
import { startApiService, type ApiService } from "./api";
import { byApiHandler } from "../../lambdas/platform/routes";

export const apiGatewayService: ServiceModule<ApiService> = {
  name: "apigateway",
  start: (ctx) => {
    const { settings } = ctx;
    const adminRoutes = ctx.services().flatMap((s): AdminRoutes[] => (s.routes ? [s.routes] : []));
    const { functions } = ctx.need(lambdaService);
    return startApiService({
      handlers: byApiHandler((id) => functions.handler<APIGatewayProxyEvent, APIGatewayProxyResult>(id)),
      stageName: settings.stageName,
      rootMethod: settings.rootMethod,
      host: settings.host,
      port: settings.port,
      adminRoutes,
      auth: ctx.need(cognitoService).userPool,
      allowedOrigins: settings.allowedOrigins,
      log: ctx.log,
      meter: ctx.meter,
    });
  },
};
