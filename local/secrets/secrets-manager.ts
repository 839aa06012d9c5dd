/**
 * The local twin of AWS Secrets Manager, for the one secret the stack creates: Stripe's secret key.
 * It speaks the service's JSON protocol (GetSecretValue), so ProcessPayment reads the key through
 * Powertools Parameters and the SDK exactly as deployed; only the endpoint differs
 * (AWS_ENDPOINT_URL_SECRETS_MANAGER). A secret without a value answers as AWS does for a secret
 * nobody has filled in yet.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../runtime/read-body";
import type { LocalService } from "../runtime/service";

export interface LocalSecret {
  readonly arn: string;
  readonly name: string;
  /** Undefined: created but never given a value (as the stack leaves it). */
  readonly value: string | undefined;
}

export interface SecretsService extends LocalService {
  readonly endpoint: string;
  /** How many GetSecretValue calls were answered, by secret name. */
  reads(name: string): number;
}

const JSON_TYPE = "application/x-amz-json-1.1";

function reply(response: ServerResponse, status: number, body: object): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { "Content-Type": JSON_TYPE, "Content-Length": Buffer.byteLength(payload) });
  response.end(payload);
}

function failure(response: ServerResponse, type: string, message: string): void {
  response.setHeader("x-amzn-ErrorType", type);
  reply(response, 400, { __type: type, message, Message: message });
}

/**
 * @param authorize local IAM: the AccessDeniedException for a read its signer may not make (none
 *   with --no-iam)
 */
export async function startSecretsService(
  secrets: readonly LocalSecret[],
  authorize?: (headers: IncomingHttpHeaders, secretArn: string) => Error | undefined,
): Promise<SecretsService> {
  const versionId = randomUUID();
  const readCounts = new Map<string, number>();
  const find = (id: unknown) => secrets.find((s) => s.arn === id || s.name === id);

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers["x-amz-target"] ?? "");
    const body = await readBody(request, 64 * 1024);
    if (target !== "secretsmanager.GetSecretValue") {
      failure(
        response,
        "UnknownOperationException",
        `The local Secrets Manager answers GetSecretValue only, not ${target}.`,
      );
      return;
    }
    let secretId: unknown;
    try {
      secretId = (JSON.parse(body) as { SecretId?: unknown }).SecretId;
    } catch {
      failure(response, "SerializationException", "The request body is not JSON.");
      return;
    }
    const secret = find(secretId);
    if (!secret) {
      failure(response, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
      return;
    }
    const denied = authorize?.(request.headers, secret.arn);
    if (denied) {
      failure(response, "AccessDeniedException", denied.message);
      return;
    }
    readCounts.set(secret.name, (readCounts.get(secret.name) ?? 0) + 1);
    if (secret.value === undefined) {
      failure(
        response,
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      );
      return;
    }
    reply(response, 200, {
      ARN: secret.arn,
      Name: secret.name,
      SecretString: secret.value,
      VersionId: versionId,
      VersionStages: ["AWSCURRENT"],
      CreatedDate: Date.now() / 1000,
    });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      failure(response, "InternalServiceError", String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: the key never leaves this machine.
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: "secrets",
    endpoint: `http://127.0.0.1:${port}`,
    reads: (name) => readCounts.get(name) ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
