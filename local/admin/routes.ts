/**
 * The local admin plane's vocabulary: what a service may answer under /_local (GET endpoints, POST
 * actions, streams) and the one error body every local answer uses.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * What only the local server answers (API Gateway answers these cases with its own codes:
 * REQUEST_REJECTED, GATEWAY_ERROR); the status table in docs/API.md lists them.
 */
export const LOCAL_SERVER_ERRORS = {
  INVALID_PATH: 400,
  METHOD_NOT_ALLOWED: 405,
  LOCAL_ONLY: 403,
  BAD_GATEWAY: 502,
  SERVICE_STOPPING: 503,
} as const;
export type LocalServerErrorCode = keyof typeof LOCAL_SERVER_ERRORS;

/** One of the local server's own answers, its status taken from the table. */
export function localServerError(code: LocalServerErrorCode, message: string) {
  return { status: LOCAL_SERVER_ERRORS[code], code, message };
}

/** The dead-letter queues POST /_local/redrive can empty, by the name `?queue=` takes. */
export const REDRIVE_QUEUES = ["orders", "confirmations"] as const;

/** The error body of every local answer, as the API's: `{error: {code, message, details}}`. */
export function errorBody(code: string, message: string, details: unknown = null) {
  return { error: { code, message, details } };
}

export interface LocalReply {
  readonly status: number;
  readonly body: unknown;
}

/** A local error answer (status and the shared error body). */
export const localError = (status: number, code: string, message: string, details?: unknown): LocalReply => ({
  status,
  body: errorBody(code, message, details),
});

/** A local endpoint's answer with a status other than 200 (e.g. health while the database is down). */
export class StatusReply implements LocalReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}

  static error(status: number, code: string, message: string): StatusReply {
    return new StatusReply(status, errorBody(code, message));
  }
}

/** GET routes under /_local: a JSON body (200) or a StatusReply, from the query. */
export type LocalEndpoints = Readonly<Record<string, (query: URLSearchParams) => unknown>>;

/** POST routes under /_local: the request body (or null) and its headers in, a reply out. */
export type LocalActions = Readonly<
  Record<
    string,
    (
      body: string | null,
      headers: Record<string, string | undefined>,
      query: URLSearchParams,
    ) => Promise<LocalReply>
  >
>;

/** GET routes under /_local that write the response themselves (Server-Sent Events, files). */
export type LocalStreams = Readonly<
  Record<string, (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => void>
>;

/** What one service serves under /_local. */
export interface AdminRoutes {
  readonly get?: LocalEndpoints;
  readonly post?: LocalActions;
  readonly streams?: LocalStreams;
  /** Route names a caller on the network may reach with sign-in on (the user pool's). */
  readonly public?: readonly string[];
}
