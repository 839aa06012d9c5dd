/**
 * `npm run reconcile-payments`: the daily payment reconciliation, now. Prints what was compared and
 * every finding (kind, order, payment, detail). Usage:
 *   npm run reconcile-payments -- --stack <stack> [--outputs-file <file>]
 *   npm run reconcile-payments -- --url <local runtime URL>
 * With --stack it invokes the stack's ReconcilePaymentsLambda (its live alias, output
 * payment_reconciler_name) with the current AWS credentials; with --url the local runtime's POST
 * /_local/reconcile-payments. Exit code 0 when nothing was found, 3 when something was.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { ReconcilePaymentsResult } from "../lambdas/reconcile-payments/handler";
import { parseOptions, runCommand, stackOrUrl } from "./ops/cli";
import { requireOutput, stackOutputs } from "./ops/stack-outputs";

const USAGE =
  "Usage: npm run reconcile-payments -- (--stack <stack> [--outputs-file <file>] | --url <local runtime URL>)";

/** The exit code when the run found mismatches (1 is a failure to run, 2 a bad option). */
export const FINDINGS_EXIT_CODE = 3;

async function local(url: string): Promise<ReconcilePaymentsResult> {
  const response = await fetch(`${url.replace(/\/$/, "")}/_local/reconcile-payments`, { method: "POST" });
  const body = (await response.json()) as ReconcilePaymentsResult & { error?: { message: string } };
  if (!response.ok) throw new Error(body.error?.message ?? `The local runtime answered ${response.status}.`);
  return body;
}

async function deployed(functionName: string): Promise<ReconcilePaymentsResult> {
  const result = await new LambdaClient({}).send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: "RequestResponse", Payload: "{}" }),
  );
  const payload = JSON.parse(Buffer.from(result.Payload ?? []).toString("utf8") || "null") as
    (ReconcilePaymentsResult & { errorMessage?: string }) | null;
  if (result.FunctionError || !payload) {
    throw new Error(
      `${functionName} failed: ${payload?.errorMessage ?? result.FunctionError ?? "no answer"}`,
    );
  }
  return payload;
}

async function main(): Promise<number> {
  const values = parseOptions({
    stack: { type: "string" },
    "outputs-file": { type: "string" },
    url: { type: "string" },
  });
  stackOrUrl(values);
  process.stdout.write("Reconciling the payment provider's payments with the orders…\n");
  const report = values.url
    ? await local(values.url)
    : await deployed(
        requireOutput(stackOutputs(values.stack!, values["outputs-file"]), "payment_reconciler_name"),
      );
  if (report.skipped) {
    process.stdout.write(`${report.skipped}\n`);
    return 0;
  }
  process.stdout.write(`Since ${report.since}: ${report.checked} payments and orders checked.\n`);
  for (const f of report.findings) {
    process.stdout.write(
      `${f.kind}\torder ${f.orderId ?? "-"}\tpayment ${f.paymentId ?? "-"}\t${f.detail}\n`,
    );
  }
  process.stdout.write(
    report.findings.length === 0
      ? "No mismatches.\n"
      : `${report.findings.length} mismatch(es): see docs/RUNBOOK.md#paymentmismatchesalarm.\n`,
  );
  return report.findings.length === 0 ? 0 : FINDINGS_EXIT_CODE;
}

runCommand("reconcile-payments", USAGE, main);
