/**
 * The local API Gateway stage: HTTP in front of OrderPlacement (routes from the shared route table),
 * beside the /_local admin plane (admin/router.ts), which it hands every /_local/ request.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { routeOfEvent, type HttpMethod } from "../../lambdas/platform/routes";
import { createLocalApiServer } from "./http-server";
import { adminRouter } from "../admin/router";
import type { AdminRoutes } from "../admin/routes";
import type { Invoke } from "../lambda/functions";
import type { Meter } from "../meter/meter";
import type { AuthService } from "../cognito/user-pool";
import type { LocalService } from "../runtime/service";
import type { ApiHandler } from "../../lambdas/platform/routes";

export interface ApiService extends LocalService {
  readonly url: string;
  readonly port: number;
}

export interface ApiServiceOptions {
  readonly handlers: Readonly<Record<ApiHandler, Invoke<APIGatewayProxyEvent, APIGatewayProxyResult>>>;
  readonly stageName: string;
  readonly rootMethod: HttpMethod;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Every service's routes under /_local, served by the admin router. */
  readonly adminRoutes: readonly AdminRoutes[];
  /** Sign-in on customer routes (api_auth = cognito); open when omitted (api_auth = none). */
  readonly auth?: AuthService;
  readonly allowedOrigins: readonly string[];
  readonly log: (line: string) => void;
  /** Counts the requests API Gateway bills, their access log lines, and the orders placed. */
  readonly meter?: Meter;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** An order accepted: the order placement route's 202 (an erasure's 202 is not an order). */
function orderPlaced(event: APIGatewayProxyEvent, result: APIGatewayProxyResult): boolean {
  return result.statusCode === 202 && routeOfEvent(event)?.operation === "placeOrder";
}

/** One line per placed or rejected order; reads are not logged. */
function logResponse(
  log: (line: string) => void,
  event: APIGatewayProxyEvent,
  result: APIGatewayProxyResult,
) {
  if (event.httpMethod === "GET" && event.resource !== "/") return;
  if (orderPlaced(event, result)) log(`order ${JSON.parse(result.body).orderId} placed (PENDING)`);
  else if (result.statusCode >= 400)
    log(`request rejected: ${result.statusCode} ${JSON.parse(result.body).error?.code}`);
}

/**
 * A request that reached the function is billed by API Gateway and logged to the stage's access log
 * (its JSON format: request id, IP, time, method, resource, status, length, latency, error).
 */
function meterRequest(meter: Meter, event: APIGatewayProxyEvent, result: APIGatewayProxyResult) {
  meter.record("API Gateway", `${event.httpMethod} ${event.resource}`, { requests: 1 });
  const accessLogLine = JSON.stringify({
    requestId: event.requestContext.requestId,
    ip: event.requestContext.identity.sourceIp,
    requestTime: new Date().toUTCString(),
    httpMethod: event.httpMethod,
    resourcePath: event.resource,
    status: String(result.statusCode),
    responseLength: String(Buffer.byteLength(result.body)),
    integrationLatency: "25",
    errorMessage: "-",
  });
  meter.record("CloudWatch Logs", "API-Gateway-Access-Logs", {
    bytes: Buffer.byteLength(accessLogLine) + 26,
  });
  if (orderPlaced(event, result)) meter.orderPlaced();
}

/** On stop, how long requests already being answered may take before their connections are cut. */
export const API_DRAIN_TIMEOUT_MS = 10_000;

export async function startApiService(options: ApiServiceOptions): Promise<ApiService> {
  let stopping = false;
  let inFlight = 0;
  const server = createLocalApiServer({
    stopping: () => stopping,
    stageName: options.stageName,
    rootMethod: options.rootMethod,
    handlers: options.handlers,
    onResponse: (event, result) => {
      logResponse(options.log, event, result);
      if (options.meter) meterRequest(options.meter, event, result);
    },
    // With sign-in on, /_local answers this machine only (but for routes a service marks public).
    admin: adminRouter(options.adminRoutes, { localOnly: options.auth !== undefined }),
    auth: options.auth,
    allowedOrigins: options.allowedOrigins,
  });
  server.keepAliveTimeout = 5_000;
  // A stream (the event feed) is never "answered": it is not waited for on stop, only cut.
  const streams = new Set(
    options.adminRoutes.flatMap((routes) =>
      Object.keys(routes.streams ?? {}).map((name) => `/_local/${name}`),
    ),
  );
  server.on("request", (req, res) => {
    if (streams.has((req.url ?? "/").split("?")[0])) return;
    inFlight++;
    res.on("close", () => inFlight--);
  });
  const port = await listen(server, options.port, options.host);
  return {
    name: "api",
    url: `http://${options.host === "0.0.0.0" ? "127.0.0.1" : options.host}:${port}`,
    port,
    /** Refuses new requests (503), answers the ones in hand, then closes. */
    stop: async () => {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + API_DRAIN_TIMEOUT_MS;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      server.closeAllConnections();
      await closed;
    },
  };
}
