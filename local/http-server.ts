/**
 * The local API Gateway: HTTP requests become REST API proxy events for OrderPlacement (routes from
 * the shared route table, as the stack deploys them), responses go back as HTTP.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readBody } from "./read-body";
import { corsHeaders, preflightHeaders } from "../lambdas/shared/cors";
import { GATEWAY_RESPONSES } from "../lambdas/shared/gateway-responses";
import { header } from "../lambdas/shared/http";
import { API_ROUTES, matchRoute, rootRoute, type ApiRoute, type HttpMethod } from "../lambdas/shared/routes";
import type { LambdaHandler } from "./lambda-host";
import type { AuthService } from "./services/auth";

/** API Gateway's payload limit is 10 MB; locally 1 MB is plenty and bounds memory. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalEndpoints {
  /** Extra local-only GET routes under /_local. */
  readonly [path: string]: () => unknown;
}

export interface LocalReply {
  readonly status: number;
  readonly body: unknown;
}

/** Local-only POST routes under /_local: the request body (or null) and its headers in, a reply out. */
export type LocalActions = Readonly<
  Record<string, (body: string | null, headers: Record<string, string | undefined>) => Promise<LocalReply>>
>;

export interface LocalApiOptions {
  readonly stageName: string;
  readonly rootMethod: HttpMethod;
  readonly handler: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
  readonly localEndpoints: LocalEndpoints;
  readonly localActions?: LocalActions;
  /** The Cognito authorizer's twin; customer routes are open without it (api_auth = none). */
  readonly auth?: AuthService;
  /** Storefront origins allowed by CORS; empty: no CORS, as deployed. */
  readonly allowedOrigins?: readonly string[];
  /** True once the runtime is stopping: new requests get 503 and Retry-After, nothing is started. */
  readonly stopping?: () => boolean;
  readonly onResponse?: (event: APIGatewayProxyEvent, result: APIGatewayProxyResult) => void;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message, details: null } }, headers);
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
      accountId: "000000000000",
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

/** The local-only routes under /_local: GET endpoints and POST actions. */
async function serveLocal(options: LocalApiOptions, req: IncomingMessage, res: ServerResponse, url: URL) {
  const method = (req.method ?? "GET").toUpperCase();
  const name = url.pathname.slice("/_local/".length);
  const endpoint = options.localEndpoints[name];
  if (endpoint && method === "GET") return sendJson(res, 200, endpoint());
  const action = options.localActions?.[name];
  if (action && method === "POST") {
    const reply = await action(
      (await readBody(req, MAX_BODY_BYTES)) || null,
      req.headers as Record<string, string>,
    );
    if (typeof reply.body === "string") {
      res.writeHead(reply.status, { "Content-Type": "text/plain; charset=utf-8" });
      return res.end(reply.body);
    }
    return sendJson(res, reply.status, reply.body);
  }
  return sendError(res, 404, "ROUTE_NOT_FOUND", `No local endpoint ${method} ${url.pathname}.`);
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

export function createLocalApiServer(options: LocalApiOptions): Server {
  const routes = [...API_ROUTES, rootRoute(options.rootMethod)];
  const allowedOrigins = options.allowedOrigins ?? [];
  const gatewayHeaders = gatewayCorsHeaders(allowedOrigins);
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const method = (req.method ?? "GET").toUpperCase();
      if (options.stopping?.()) {
        return sendError(res, 503, "SERVICE_STOPPING", "The order system is stopping; retry shortly.", {
          ...gatewayHeaders,
          "Retry-After": "5",
          Connection: "close",
        });
      }
      if (url.pathname.startsWith("/_local/")) return serveLocal(options, req, res, url);
      const match = matchRoute(routes, method, url.pathname);
      if (!match) {
        return sendError(
          res,
          404,
          "ROUTE_NOT_FOUND",
          `No route for ${method} ${url.pathname}.`,
          gatewayHeaders,
        );
      }
      if (method === "OPTIONS" && allowedOrigins.length > 0)
        return preflight(options, routes, req, res, url.pathname);
      if ("methodNotAllowed" in match) {
        return sendError(
          res,
          405,
          "METHOD_NOT_ALLOWED",
          `${method} is not allowed on ${url.pathname}.`,
          gatewayHeaders,
        );
      }
      let claims: Record<string, string> | undefined;
      if (match.route.access === "customer" && options.auth) {
        const authorized = await options.auth.authorize(
          header(req.headers as Record<string, string>, "Authorization"),
        );
        if (!authorized.ok) {
          const { status, code, message } = GATEWAY_RESPONSES.UNAUTHORIZED;
          return sendError(res, status, code, message, gatewayHeaders);
        }
        claims = authorized.claims;
      }
      let body: string | null;
      try {
        body = (await readBody(req, MAX_BODY_BYTES)) || null;
      } catch {
        return sendError(
          res,
          413,
          "BODY_TOO_LARGE",
          `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
          gatewayHeaders,
        );
      }
      const event = toProxyEvent(
        req,
        url,
        body,
        match.route.resourcePath,
        match.pathParameters,
        options.stageName,
        claims,
      );
      const result = await options.handler(event);
      res.writeHead(result.statusCode, result.headers as Record<string, string>);
      res.end(result.body);
      options.onResponse?.(event, result);
    })().catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 502, "BAD_GATEWAY", "The order function failed; see the console.");
      process.stderr.write(`Local API error: ${error instanceof Error ? error.stack : String(error)}\n`);
    });
  });
}
