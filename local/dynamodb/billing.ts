/**
 * The billed endpoint's rules, in the database's own process: every caller AWS would bill (the
 * functions, the workflow's DynamoDB task) signs its requests, each is authorized against its
 * signer's role when local IAM is on, and the read and write units DynamoDB would bill are counted
 * from the answer (asked for with ReturnConsumedCapacity and taken out again, so the caller sees
 * the answer it would have had without asking). Control-plane calls (CreateTable, DescribeTable)
 * are not billed.
 *
 * It runs where the database runs rather than as a proxy in the runtime's thread: a proxy there
 * served and re-sent every call of every handler over HTTP, on the thread the handlers run on.
 * The runtime keeps the bill and the roles; this side asks it (BillingPort).
 */
import type { IncomingHttpHeaders } from "node:http";
import { dynamoDbChecks } from "../iam/aws-calls";
import { principalOfRequest, type Check } from "../iam/access-guard";
import type { Principal } from "../iam/enforced-roles";

export const READS: ReadonlySet<string> = new Set([
  "GetItem",
  "BatchGetItem",
  "Query",
  "Scan",
  "TransactGetItems",
]);
export const WRITES: ReadonlySet<string> = new Set([
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "TransactWriteItems",
]);

/** The units of one billed call, as the meter counts them. */
export type BilledUnits = { readonly readUnits: number } | { readonly writeUnits: number };

/** What the billed endpoint asks of the runtime that keeps the bill and the roles. */
export interface BillingPort {
  /** One billed call. */
  record(operation: string, units: BilledUnits): void;
  /**
   * Local IAM (absent with --no-iam): the AccessDeniedException message for the first check the
   * principal's role does not allow, or undefined when it allows them all.
   */
  decide?(principal: Principal, checks: readonly Check[]): Promise<string | undefined> | string | undefined;
}

interface Consumed {
  readonly CapacityUnits?: number;
}

/** The units an answer reports; a refused write still costs a write unit per item it touched. */
function unitsOf(status: number, answer: Record<string, unknown>, request: Record<string, unknown>): number {
  const consumed = answer.ConsumedCapacity as Consumed | Consumed[] | undefined;
  const reported = [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  if (status === 200 || reported > 0) return reported;
  const type = String(answer.__type ?? "");
  if (type.endsWith("ConditionalCheckFailedException")) return 1;
  if (type.endsWith("TransactionCanceledException"))
    return 2 * ((request.TransactItems as unknown[] | undefined)?.length ?? 1);
  return 0;
}

/** A request as the billed endpoint received it. */
export interface BilledRequest {
  readonly operation: string;
  readonly raw: string;
  readonly body: Record<string, unknown>;
}

/** What the billed endpoint sends the database: the text, and the object it encodes. */
export interface SentBody {
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/** An answer as the database gave it. */
export interface DatabaseAnswer {
  readonly status: number;
  readonly text: string;
  readonly requestId?: string;
  /** The object `text` encodes, when whoever answered already had it (so it is not parsed again). */
  readonly body?: Record<string, unknown>;
}

export class Billing {
  /**
   * Decisions already allowed, by principal and checks: the roles are the synthesized stack's for
   * the runtime's whole life. Denials are asked every time, so the runtime sees (and lists) each.
   */
  private readonly allowed = new Set<string>();

  constructor(private readonly port: BillingPort) {}

  /** The denial's message when local IAM refuses the request, else undefined. */
  async denial(headers: IncomingHttpHeaders, request: BilledRequest): Promise<string | undefined> {
    const { decide } = this.port;
    // Without local IAM nothing is decided: no principal to read from the request either.
    if (!decide) return undefined;
    const principal = principalOfRequest(headers);
    if (!principal) return undefined;
    const checks = dynamoDbChecks(request.operation, request.body);
    const key = `${principal}\n${JSON.stringify(checks)}`;
    if (this.allowed.has(key)) return undefined;
    const denied = await decide(principal, checks);
    if (!denied) this.allowed.add(key);
    return denied;
  }

  /** The body to send the database (as text and as parsed): a billed call asks for its consumed capacity. */
  bodyToSend(request: BilledRequest): SentBody {
    const billed = READS.has(request.operation) || WRITES.has(request.operation);
    const askedByCaller = ["TOTAL", "INDEXES"].includes(String(request.body.ReturnConsumedCapacity));
    if (!billed || askedByCaller) return { text: request.raw, body: request.body };
    const body = { ...request.body, ReturnConsumedCapacity: "TOTAL" };
    return { text: JSON.stringify(body), body };
  }

  /** Records the call's units and gives the caller the answer it would have had without asking. */
  billed(request: BilledRequest, sent: SentBody, answer: DatabaseAnswer): string {
    const { operation } = request;
    if (!READS.has(operation) && !WRITES.has(operation)) return answer.text;
    const parsed = answer.body ?? (JSON.parse(answer.text || "{}") as Record<string, unknown>);
    const units = unitsOf(answer.status, parsed, request.body);
    this.port.record(operation, READS.has(operation) ? { readUnits: units } : { writeUnits: units });
    if (sent.text === request.raw || !("ConsumedCapacity" in parsed)) return answer.text;
    delete parsed.ConsumedCapacity;
    return JSON.stringify(parsed);
  }
}

/** A denied request, as DynamoDB answers it (400, AccessDeniedException); nothing is billed. */
export function accessDeniedBody(message: string): string {
  return JSON.stringify({ __type: "com.amazon.coral.service#AccessDeniedException", Message: message });
}

/** The billing port over the database process's IPC channel: its messages each way. */
export type BillingRequest =
  | { readonly metered: { readonly operation: string; readonly units: BilledUnits } }
  | { readonly authorize: { readonly id: number; readonly principal: Principal; readonly checks: Check[] } };
export interface BillingReply {
  readonly authorized: number;
  readonly denial?: string;
}

type Channel = Pick<NodeJS.Process, "send" | "on" | "connected">;

/** Local IAM's answer once the runtime is gone (stopping): refused, never allowed unchecked. */
export const RUNTIME_GONE = "Local IAM cannot decide: the order system is stopping.";

/** The database process's side: records and questions go to the runtime, answers come back. */
export function billingOverIpc(channel: Channel, authorize: boolean): BillingPort {
  const pending = new Map<number, (denial: string | undefined) => void>();
  let next = 0;
  channel.on("message", (message: Partial<BillingReply>) => {
    if (typeof message.authorized !== "number") return;
    pending.get(message.authorized)?.(message.denial);
    pending.delete(message.authorized);
  });
  channel.on("disconnect", () => {
    for (const answer of pending.values()) answer(RUNTIME_GONE);
    pending.clear();
  });
  // A call still in hand when the runtime goes away (Ctrl-C under load) is not billed to anyone:
  // sending then would fail the whole process.
  const send = (message: BillingRequest) => channel.connected && channel.send?.(message);
  return {
    record: (operation, units) => send({ metered: { operation, units } }),
    ...(authorize && {
      decide: (principal: Principal, checks: readonly Check[]) =>
        new Promise<string | undefined>((resolve) => {
          const id = ++next;
          pending.set(id, resolve);
          if (!send({ authorize: { id, principal, checks: [...checks] } })) resolve(RUNTIME_GONE);
        }),
    }),
  };
}

/** The runtime's side: answers the database process's billing requests from `billing`. */
export function answerBillingRequests(
  child: {
    on(event: "message", listener: (message: unknown) => void): unknown;
    send(message: BillingReply): unknown;
    readonly connected: boolean;
  },
  billing: BillingPort,
): void {
  child.on("message", (message) => {
    if (typeof message !== "object" || message === null) return;
    if ("metered" in message) {
      const { operation, units } = (message as Extract<BillingRequest, { metered: unknown }>).metered;
      billing.record(operation, units);
    } else if ("authorize" in message) {
      const { id, principal, checks } = (message as Extract<BillingRequest, { authorize: unknown }>)
        .authorize;
      void Promise.resolve(billing.decide?.(principal, checks)).then((denial) => {
        if (child.connected) child.send({ authorized: id, ...(denial ? { denial } : {}) });
      });
    }
  });
}
