/**
 * The local API Gateway: HTTP requests become REST API proxy events for OrderPlacement (routes from
 * the shared route table, as the stack deploys them), responses go back as HTTP.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readBody } from "./read-body";
import { API_ROUTES, matchRoute, rootRoute, type HttpMethod } from "../lambdas/shared/routes";
import type { LambdaHandler } from "./lambda-host";

/** API Gateway's payload limit is 10 MB; locally 1 MB is plenty and bounds memory. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalEndpoints {
  /** Extra local-only GET routes under /_local. */
  readonly [path: string]: () => unknown;
}

export interface LocalApiOptions {
  readonly stageName: string;
  readonly rootMethod: HttpMethod;
  readonly handler: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
  readonly localEndpoints: LocalEndpoints;
  readonly onResponse?: (event: APIGatewayProxyEvent, result: APIGatewayProxyResult) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message, details: null } });
}

export function toProxyEvent(
  req: IncomingMessage,
  url: URL,
  body: string | null,
  resourcePath: string,
  pathParameters: Record<string, string> | null,
  stageName: string,
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
      authorizer: null,
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

export function createLocalApiServer(options: LocalApiOptions): Server {
  const routes = [...API_ROUTES, rootRoute(options.rootMethod)];
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const method = (req.method ?? "GET").toUpperCase();
      if (url.pathname.startsWith("/_local/")) {
        const endpoint = options.localEndpoints[url.pathname.slice("/_local/".length)];
        if (endpoint && method === "GET") return sendJson(res, 200, endpoint());
        return sendError(res, 404, "ROUTE_NOT_FOUND", `No local endpoint ${method} ${url.pathname}.`);
      }
      const match = matchRoute(routes, method, url.pathname);
      if (!match) return sendError(res, 404, "ROUTE_NOT_FOUND", `No route for ${method} ${url.pathname}.`);
      if ("methodNotAllowed" in match) {
        return sendError(res, 405, "METHOD_NOT_ALLOWED", `${method} is not allowed on ${url.pathname}.`);
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
        );
      }
      const event = toProxyEvent(
        req,
        url,
        body,
        match.route.resourcePath,
        match.pathParameters,
        options.stageName,
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
