/**
 * Per-environment settings (one stack each) and the remote-state backend configuration, read from the
 * committed backend.json and overridable by environment variables.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ReleaseStrategyName } from "./release-strategies";

export interface EnvironmentConfig {
  readonly name: string;
  readonly region: string;
  /** Prefix of every resource name: `<namePrefix>-orders`, … */
  readonly namePrefix: string;
  readonly defaultApiName: string;
  readonly defaultStageName: string;
  readonly logRetentionDays: number;
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Allows `terraform destroy` to delete a non-empty code bucket and unprotected tables. */
  readonly disposable: boolean;
  /**
   * API Gateway's CloudWatch role is one per account and region: let exactly one stack per
   * account/region manage it (access logs need it).
   */
  readonly manageApiGatewayAccount: boolean;
  /** The default of enable_waf: AWS WAF in front of the API (a Terraform variable overrides it). */
  readonly enableWaf: boolean;
  /** The default of release_strategy: how `npm run release` moves traffic to new versions. */
  readonly releaseStrategy: ReleaseStrategyName;
}

export const ENVIRONMENTS: readonly EnvironmentConfig[] = [
  {
    name: "dev",
    region: "us-east-1",
    namePrefix: "ecommerce-dev",
    defaultApiName: "ecommerce-orders-api-dev",
    defaultStageName: "prod",
    logRetentionDays: 30,
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    disposable: true,
    manageApiGatewayAccount: true,
    enableWaf: false,
    releaseStrategy: "all-at-once",
  },
  {
    name: "prod",
    region: "us-east-1",
    namePrefix: "ecommerce-prod",
    defaultApiName: "ecommerce-orders-api",
    defaultStageName: "prod",
    logRetentionDays: 30,
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    disposable: false,
    manageApiGatewayAccount: false,
    enableWaf: true,
    releaseStrategy: "canary-10-percent-5-minutes",
  },
];

export interface BackendConfig {
  readonly bucket: string;
  readonly region: string;
  /** DynamoDB lock table; S3-native lock files are used as well (Terraform >= 1.10). */
  readonly lockTable: string;
  readonly keyPrefix: string;
}

const BACKEND_ENV: Record<keyof BackendConfig, string> = {
  bucket: "TF_STATE_BUCKET",
  region: "TF_STATE_REGION",
  lockTable: "TF_STATE_LOCK_TABLE",
  keyPrefix: "TF_STATE_KEY_PREFIX",
};

/** Reads backend.json at the project root; each field can be overridden by its TF_STATE_* variable. */
export function loadBackendConfig(projectRoot: string, env: NodeJS.ProcessEnv = process.env): BackendConfig {
  const file = join(projectRoot, "backend.json");
  const committed = JSON.parse(readFileSync(file, "utf8")) as Partial<BackendConfig>;
  const merged = { ...committed } as Record<string, unknown>;
  for (const [field, variable] of Object.entries(BACKEND_ENV)) {
    if (env[variable]) merged[field] = env[variable];
  }
  for (const field of Object.keys(BACKEND_ENV)) {
    if (typeof merged[field] !== "string" || merged[field] === "") {
      throw new Error(
        `Backend setting "${field}" is missing: set it in backend.json or ${BACKEND_ENV[field as keyof BackendConfig]}.`,
      );
    }
  }
  return merged as unknown as BackendConfig;
}
