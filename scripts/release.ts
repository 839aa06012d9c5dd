/**
 * `npm run release`: after `cdktf deploy` published new versions, moves each function's live alias
 * (through CodeDeploy, with the stack's release strategy) and the workflow's alias to them,
 * printing progress; exits 1 if a canary rolled back, 4 if another release is running. Usage:
 *   npm run release -- --stack <stack> [--outputs-file <file>]
 * It reads the stack's `release_plan` output through `cdktf output` (or the file `cdktf deploy
 * --outputs-file` wrote) and calls CodeDeploy, Lambda, Step Functions and CloudWatch with the
 * current AWS credentials and Region.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SFNClient } from "@aws-sdk/client-sfn";
import { parseOptions, runCommand, UsageError } from "./ops/cli";
import { parseReleasePlan, release, ReleaseInProgress } from "./ops/release";
import { requireOutput, stackOutputs } from "./ops/stack-outputs";

const USAGE = "Usage: npm run release -- --stack <stack> [--outputs-file <file>]";

/** Exit code when another release is running (nothing was started). */
const EXIT_RELEASE_RUNNING = 4;

async function main(): Promise<number> {
  const args = parseOptions({ stack: { type: "string" }, "outputs-file": { type: "string" } });
  if (!args.stack) throw new UsageError("Give --stack.");
  const plan = parseReleasePlan(
    requireOutput(stackOutputs(args.stack, args["outputs-file"]), "release_plan"),
  );
  const time = () => new Date().toISOString().slice(11, 19);
  try {
    const outcome = await release(
      {
        codedeploy: new CodeDeployClient({}),
        lambda: new LambdaClient({}),
        sfn: new SFNClient({}),
        cloudwatch: new CloudWatchClient({}),
      },
      plan,
      { log: (line) => process.stdout.write(`${time()}  ${line}\n`) },
    );
    return outcome === "rolled-back" ? 1 : 0;
  } catch (error) {
    if (error instanceof ReleaseInProgress) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_RELEASE_RUNNING;
    }
    throw error;
  }
}

runCommand("release", USAGE, main);
