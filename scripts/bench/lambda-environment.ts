/** What a function's process gets to load its bundle outside AWS: nothing it configures is called. */
import { environmentFor, type FunctionSpec } from "../../lambdas/platform/contracts";
import { DEFAULT_SETTINGS, observabilityEnvironment, type Settings } from "../../lambdas/platform/config";
import { LOCAL_RESOURCES, LOCAL_SENDER_ADDRESS } from "../../local/runtime/resources";

/** The configuration each function's contract gives it (local resources; nothing is called). */
export function lambdaEnvironment(spec: FunctionSpec, settings: Partial<Settings> = {}): NodeJS.ProcessEnv {
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    ...observabilityEnvironment(spec.folder, { logLevel: "SILENT", metrics: true }),
    // The stack always names a sender; the defaults leave it to the deployment.
    ...environmentFor(spec, LOCAL_RESOURCES, {
      ...DEFAULT_SETTINGS,
      senderAddress: LOCAL_SENDER_ADDRESS,
      ...settings,
    }),
  };
}
