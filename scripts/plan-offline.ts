/**
 * `npm run plan:offline`: synthesizes every stack, then runs terraform init, validate and plan on
 * each with no network and no AWS account (see offline-plan/terraform-harness.ts), writes each plan
 * as JSON and prints what would be created.
 *
 * Environment: TF_PROVIDER_MIRROR (default /opt/tf-plugins; absent → the registry), TERRAFORM_BIN.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { listStacks, planStacks } from "./offline-plan/terraform-harness";

async function main(): Promise<void> {
  const root = resolve(__dirname, "..");
  const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  process.stderr.write("Synthesizing stacks…\n");
  const synth = spawnSync(process.execPath, [resolve(root, "node_modules/tsx/dist/cli.mjs"), "main.ts"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
  });
  if (synth.status !== 0) throw new Error("cdktf synth failed");
  const synthDir = resolve(root, "cdktf.out");
  const stacks = listStacks(synthDir).filter((s) => only.length === 0 || only.includes(s));
  const summaries = await planStacks(
    { projectRoot: root, synthDir, log: (l) => process.stderr.write(`${l}\n`) },
    stacks,
  );
  for (const s of summaries) {
    const total = Object.values(s.toCreate).reduce((a, b) => a + b, 0);
    process.stdout.write(`\n${s.stack}: validate OK, plan OK: ${total} to add\n`);
    for (const [type, count] of Object.entries(s.toCreate).sort()) {
      process.stdout.write(`  ${String(count).padStart(3)}  ${type}\n`);
    }
    if (s.substitutedArchives.length) {
      process.stdout.write(
        `  (offline: ${s.substitutedArchives.length} archive_file data sources built by the harness)\n`,
      );
    }
    for (const w of s.warnings) process.stdout.write(`  warning: ${w}\n`);
    process.stdout.write(`  plan: ${s.planJsonPath}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`plan:offline failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
