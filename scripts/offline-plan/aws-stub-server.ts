/**
 * A loopback stand-in for the two AWS APIs the provider calls during an offline `terraform plan`:
 * STS GetCallerIdentity (for aws_caller_identity) and Step Functions
 * ValidateStateMachineDefinition (for aws_sfn_state_machine), which it answers with asl-validator.
 */
import validator from "asl-validator";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../../local/runtime/read-body";

export const OFFLINE_ACCOUNT_ID = "123456789012";

export interface StubServer {
  readonly url: string;
  readonly validations: { definition: unknown; result: string }[];
  close(): Promise<void>;
}

export function validateDefinition(definitionText: string): {
  result: "OK" | "FAIL";
  diagnostics: { severity: string; code: string; message: string; location?: string }[];
} {
  let definition: unknown;
  try {
    definition = JSON.parse(definitionText);
  } catch (error) {
    return {
      result: "FAIL",
      diagnostics: [{ severity: "ERROR", code: "INVALID_JSON_DESCRIPTION", message: String(error) }],
    };
  }
  const { isValid, errors } = validator(definition);
  return {
    result: isValid ? "OK" : "FAIL",
    diagnostics: errors.map((e) => ({
      severity: "ERROR",
      code: "SCHEMA_VALIDATION_FAILED",
      message: e.message ?? "Invalid definition",
      location: e.path,
    })),
  };
}

export async function startAwsStub(): Promise<StubServer> {
  const validations: StubServer["validations"] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const target = String(req.headers["x-amz-target"] ?? "");
    if (target.endsWith(".ValidateStateMachineDefinition")) {
      const request = JSON.parse(body) as { definition: string };
      const answer = validateDefinition(request.definition);
      validations.push({ definition: request.definition, result: answer.result });
      res.writeHead(200, { "Content-Type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ ...answer, truncated: false }));
      return;
    }
    if (body.includes("Action=GetCallerIdentity")) {
      res.writeHead(200, { "Content-Type": "text/xml" });
      res.end(
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
          `<Arn>arn:aws:iam::${OFFLINE_ACCOUNT_ID}:user/offline-plan</Arn><UserId>AIDAOFFLINEPLAN</UserId>` +
          `<Account>${OFFLINE_ACCOUNT_ID}</Account></GetCallerIdentityResult>` +
          `<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
      return;
    }
    res.writeHead(400, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify({
        __type: "UnknownOperationException",
        message: `Offline stub: ${target || body.slice(0, 80)}`,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    validations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
