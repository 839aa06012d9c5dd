/**
 * The local API Gateway stage: HTTP in front of OrderPlacement (routes from the shared route table),
 * plus the local-only GET endpoints under /_local.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpMethod } from "../../lambdas/shared/routes";
import { createLocalApiServer, type LocalEndpoints } from "../http-server";
import type { Invoke } from "../local-functions";
import type { LocalService } from "./service";

export interface ApiService extends LocalService {
  readonly url: string;
  readonly port: number;
}

export interface ApiServiceOptions {
  readonly handler: Invoke<APIGatewayProxyEvent, APIGatewayProxyResult>;
  readonly stageName: string;
  readonly rootMethod: HttpMethod;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly localEndpoints: LocalEndpoints;
  readonly log: (line: string) => void;
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

/** One line per placed or rejected order; reads are not logged. */
function logResponse(
  log: (line: string) => void,
  event: APIGatewayProxyEvent,
  result: APIGatewayProxyResult,
) {
  if (event.httpMethod === "GET" && event.resource !== "/") return;
  if (result.statusCode === 202) log(`order ${JSON.parse(result.body).orderId} placed (PENDING)`);
  else if (result.statusCode >= 400)
    log(`request rejected: ${result.statusCode} ${JSON.parse(result.body).error?.code}`);
}

export async function startApiService(options: ApiServiceOptions): Promise<ApiService> {
  const server = createLocalApiServer({
    stageName: options.stageName,
    rootMethod: options.rootMethod,
    handler: options.handler,
    onResponse: (event, result) => logResponse(options.log, event, result),
    localEndpoints: options.localEndpoints,
  });
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, options.port, options.host);
  return {
    name: "api",
    url: `http://${options.host === "0.0.0.0" ? "127.0.0.1" : options.host}:${port}`,
    port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
