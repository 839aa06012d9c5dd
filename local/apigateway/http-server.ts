/**
 * The local API Gateway: HTTP requests become REST API proxy events for OrderPlacement (routes from
 * the shared route table, as the stack deploys them), responses go back as HTTP.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readBody } from "../runtime/read-body";
import { corsHeaders, preflightHeaders } from "../../lambdas/platform/cors";
import { GATEWAY_RESPONSES } from "../../lambdas/platform/gateway-responses";
import { header, shortened } from "../../lambdas/platform/http";
import {
  API_ROUTES,
  matchRoute,
  rootRoute,
  type ApiHandler,
  type ApiRoute,
  type HttpMethod,
} from "../../lambdas/platform/routes";
import type { LambdaHandler } from "../lambda/host";
import { LOCAL_ACCOUNT } from "../runtime/resources";
import type { AuthService } from "../cognito/user-pool";
import { sendError, sendLocalServerError, type AdminHandler } from "../admin/router";
import { localServerError } from "../admin/routes";

/** API Gateway's payload limit is 10 MB; locally 1 MB is plenty and bounds memory. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalApiOptions {
  readonly stageName: string;
  readonly rootMethod: HttpMethod;
  /** The function of each route's handler (the route table's `handler`). */
  readonly handlers: Readonly<Record<ApiHandler, LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>>>;
  /** The /_local admin plane, handed every request under /_local/. */
  readonly admin: AdminHandler;
  /** The Cognito authorizer's twin; customer routes are open without it (api_auth = none). */
  readonly auth?: AuthService;
  /** Storefront origins allowed by CORS; empty: no CORS, as deployed. */
  readonly allowedOrigins?: readonly string[];
  /** True once the runtime is stopping: new requests get 503 and Retry-After, nothing is started. */
  readonly stopping?: () => boolean;
  readonly onResponse?: (event: APIGatewayProxyEvent, result: APIGatewayProxyResult) => void;
}

/**
 * The CORS headers of API Gateway's own answers: the first allowed origin, whoever asks, as the
 * deployed gateway responses carry (they cannot choose among several).
 */
function gatewayCorsHeaders(allowedOrigins: readonly string[]): Record<string, string> {
  if (allowedOrigins.length === 0) return {};
  return corsHeaders({ Origin: allowedOrigins[0] }, allowedOrigins);
}

/** Methods of every route on a path (the preflight's Access-Control-Allow-Methods). */
function methodsOn(routes: readonly ApiRoute[], path: string): string[] {
  const match = (route: ApiRoute) => {
    const found = matchRoute([route], route.method, path);
    return found !== null && "route" in found;
  };
  return [...new Set(routes.filter(match).map((r) => r.method))];
}

export function toProxyEvent(
  req: IncomingMessage,
  url: URL,
  body: string | null,
  resourcePath: string,
  pathParameters: Record<string, string> | null,
  stageName: string,
  claims?: Record<string, string>,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const [name, value] = [req.rawHeaders[i], req.rawHeaders[i + 1]];
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    query[key] = value;
    (multiQuery[key] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;
  const method = (req.method ?? "GET").toUpperCase();
  return {
    resource: resourcePath,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: "local",
      authorizer: claims ? { claims } : null,
      protocol: "HTTP/1.1",
      httpMethod: method,
      identity: {
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: req.headers["user-agent"] ?? null,
      },
      path: `/${stageName}${url.pathname}`,
      stage: stageName,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: "local",
      resourcePath,
    } as APIGatewayProxyEvent["requestContext"],
  };
}

/** A browser's preflight on a route's path, answered as the deployed OPTIONS mock does. */
function preflight(
  options: LocalApiOptions,
  routes: readonly ApiRoute[],
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) {
  const allowed = options.allowedOrigins ?? [];
  const cors = corsHeaders(req.headers as Record<string, string>, allowed);
  const granted = "Access-Control-Allow-Origin" in cors;
  res.writeHead(200, {
    "Content-Type": "application/json",
    Vary: "Origin",
    ...preflightHeaders(methodsOn(routes, path)),
    ...(granted ? { "Access-Control-Allow-Origin": cors["Access-Control-Allow-Origin"] } : {}),
  });
  res.end();
}

/**
 * The request target as a URL, or undefined when it is malformed. Origin-form targets are taken
 * literally (so `//orders` stays a path, never a host); absolute-form ones are parsed as given.
 */
export function requestTarget(raw: string | undefined): URL | undefined {
  try {
    const target = raw ?? "/";
    return target.startsWith("/") ? new URL(`http://localhost${target}`) : new URL(target);
  } catch {
    return undefined;
  }
}

type Match = { route: ApiRoute; pathParameters: Record<string, string> | null };

/** The route for a method and path as API Gateway resolves it; an error answer when there is none. */
function resolveRoute(
  routes: readonly ApiRoute[],
  method: string,
  path: string,
): Match | { status: number; code: string; message: string } {
  const notFound = {
    status: 404,
    code: "ROUTE_NOT_FOUND",
    message: `No route for ${method} ${shortened(path)}.`,
  };
  // An empty segment (`//orders`, `/orders//x`) names no resource.
  if (/\/\//.test(path)) return notFound;
  let match;
  try {
    // HEAD is answered as GET without a body.
    match = matchRoute(routes, method === "HEAD" ? "GET" : method, path);
  } catch {
    return localServerError("INVALID_PATH", "The path has a malformed percent-escape.");
  }
  if (!match) return notFound;
  if ("methodNotAllowed" in match) {
    return localServerError("METHOD_NOT_ALLOWED", `${method} is not allowed on ${shortened(path)}.`);
  }
  return match;
}

/** Verifies the caller of a customer route as the Cognito authorizer does: claims, or a refusal. */
async function authorize(
  options: LocalApiOptions,
  route: ApiRoute,
  req: IncomingMessage,
): Promise<{ claims?: Record<string, string> } | { refused: true }> {
  if (route.access === "public" || !options.auth) return {};
  const authorized = await options.auth.authorize(
    header(req.headers as Record<string, string>, "Authorization"),
  );
  return authorized.ok ? { claims: authorized.claims } : { refused: true };
}

export function createLocalApiServer(options: LocalApiOptions): Server {
  const routes = [...API_ROUTES, rootRoute(options.rootMethod)];
  const storefrontRoutes = routes.filter((r) => r.handler === "OrderPlacement");
  const allowedOrigins = options.allowedOrigins ?? [];
  const gatewayHeaders = gatewayCorsHeaders(allowedOrigins);
  const fail = (res: ServerResponse, status: number, code: string, message: string) =>
    sendError(res, status, code, message, gatewayHeaders);
  return createServer((req, res) => {
    void (async () => {
      const method = (req.method ?? "GET").toUpperCase();
      if (options.stopping?.()) {
        return sendLocalServerError(res, "SERVICE_STOPPING", "The order system is stopping; retry shortly.", {
          ...gatewayHeaders,
          "Retry-After": "5",
          Connection: "close",
        });
      }
      const url = requestTarget(req.url);
      if (!url)
        return fail(res, 400, "INVALID_REQUEST_TARGET", "The request target is not a valid path or URL.");
      if (url.pathname.startsWith("/_local/")) return options.admin(req, res, url);
      if (method === "OPTIONS" && allowedOrigins.length > 0 && !/\/\//.test(url.pathname)) {
        // The storefront's routes only, as deployed: the webhook has no preflight.
        const known = resolveRoute(storefrontRoutes, "GET", url.pathname);
        if (!("status" in known) || known.status === 405)
          return preflight(options, storefrontRoutes, req, res, url.pathname);
      }
      const match = resolveRoute(routes, method, url.pathname);
      if ("status" in match) return fail(res, match.status, match.code, match.message);
      const caller = await authorize(options, match.route, req);
      if ("refused" in caller) {
        const { status, code, message } = GATEWAY_RESPONSES.UNAUTHORIZED;
        return fail(res, status, code, message);
      }
      let body: string | null;
      try {
        body = (await readBody(req, MAX_BODY_BYTES)) || null;
      } catch {
        return fail(res, 413, "BODY_TOO_LARGE", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
      }
      const event = toProxyEvent(
        req,
        url,
        body,
        match.route.resourcePath,
        match.pathParameters,
        options.stageName,
        caller.claims,
      );
      if (method === "HEAD") event.httpMethod = "GET";
      const result = await options.handlers[match.route.handler](event);
      res.writeHead(result.statusCode, result.headers as Record<string, string>);
      res.end(method === "HEAD" ? undefined : result.body);
      options.onResponse?.(event, result);
    })().catch((error: unknown) => {
      if (!res.headersSent)
        sendLocalServerError(res, "BAD_GATEWAY", "The order function failed; see the console.");
      process.stderr.write(`Local API error: ${error instanceof Error ? error.stack : String(error)}\n`);
    });
  });
}
