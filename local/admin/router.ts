/**
 * The /_local admin and console plane: the routes every local service contributes, served apart from
 * the API Gateway twin (which hands it every /_local/ request). With sign-in on, only routes a service
 * marks public (the user pool's token and keys) answer a caller that is not on this machine.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { shortened } from "../../lambdas/platform/http";
import { readBody } from "../runtime/read-body";
import {
  errorBody,
  localServerError,
  StatusReply,
  type LocalServerErrorCode,
  type AdminRoutes,
  type LocalActions,
  type LocalEndpoints,
  type LocalStreams,
} from "./routes";

/** Local requests are small; 1 MB bounds memory. */
const MAX_BODY_BYTES = 1024 * 1024;

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** Every local error answer goes out through here, with the shared error body. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, errorBody(code, message), headers);
}

/** One of the local server's own answers (LOCAL_SERVER_ERRORS), its status from the table. */
export function sendLocalServerError(
  res: ServerResponse,
  code: LocalServerErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  const error = localServerError(code, message);
  sendError(res, error.status, error.code, error.message, headers);
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && /^(127\.|::1$|::ffff:127\.)/.test(address);
}

interface MergedRoutes {
  get: Record<string, LocalEndpoints[string]>;
  post: Record<string, LocalActions[string]>;
  streams: Record<string, LocalStreams[string]>;
  public: Set<string>;
}

/** One table of every service's routes; two services claiming one route is a wiring mistake. */
export function mergeRoutes(all: readonly AdminRoutes[]): MergedRoutes {
  const merged: MergedRoutes = { get: {}, post: {}, streams: {}, public: new Set() };
  for (const routes of all) {
    for (const kind of ["get", "post", "streams"] as const) {
      for (const [name, handler] of Object.entries(routes[kind] ?? {})) {
        if (Object.hasOwn(merged[kind], name)) throw new Error(`Two local services serve /_local/${name}`);
        (merged[kind] as Record<string, unknown>)[name] = handler;
      }
    }
    for (const name of routes.public ?? []) merged.public.add(name);
  }
  return merged;
}

/** The admin plane's handler: GET endpoints, POST actions and streams under /_local/. */
export function adminRouter(routes: readonly AdminRoutes[], options: { localOnly: boolean }): AdminHandler {
  const table = mergeRoutes(routes);
  const own = <T>(record: Record<string, T>, name: string) =>
    Object.hasOwn(record, name) ? record[name] : undefined;
  return async (req, res, url) => {
    // Only own properties: `/_local/__proto__` or `/_local/constructor` name nothing.
    const method = (req.method ?? "GET").toUpperCase();
    const name = url.pathname.slice("/_local/".length);
    if (options.localOnly && !table.public.has(name) && !isLoopback(req.socket.remoteAddress))
      return sendLocalServerError(
        res,
        "LOCAL_ONLY",
        "With sign-in on, local endpoints answer on this machine only (http://127.0.0.1).",
      );
    const stream = own(table.streams, name);
    if (stream && method === "GET") return stream(req, res, url.searchParams);
    const endpoint = own(table.get, name);
    if (endpoint && (method === "GET" || method === "HEAD")) {
      const reply = await endpoint(url.searchParams);
      return reply instanceof StatusReply
        ? sendJson(res, reply.status, reply.body)
        : sendJson(res, 200, reply);
    }
    const action = own(table.post, name);
    if (action && method === "POST") {
      const reply = await action(
        (await readBody(req, MAX_BODY_BYTES)) || null,
        req.headers as Record<string, string>,
        url.searchParams,
      );
      if (typeof reply.body === "string") {
        res.writeHead(reply.status, { "Content-Type": "text/plain; charset=utf-8" });
        return void res.end(reply.body);
      }
      return sendJson(res, reply.status, reply.body);
    }
    return sendError(res, 404, "ROUTE_NOT_FOUND", `No local endpoint ${method} ${shortened(url.pathname)}.`);
  };
}
