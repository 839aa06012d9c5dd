/**
 * Per-environment settings (one stack each) and the remote-state backend configuration, read from the
 * committed backend.json and overridable by environment variables.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { awsEndpointFunctions } from "@aws-sdk/core/client";
import type { ReleaseStrategyName } from "./release-strategies";

export interface EnvironmentConfig {
  readonly name: string;
  /** Where the environment runs: `us-east-1` unless ORDER_SYSTEM_<NAME>_REGION says otherwise. */
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

/** The variable that moves an environment to another region: ORDER_SYSTEM_DEV_REGION, … */
export function regionVariable(environmentName: string): string {
  return `ORDER_SYSTEM_${environmentName.toUpperCase()}_REGION`;
}

/** A region the AWS SDK's partition data names (the same endpoint data the AWS provider is built on). */
export function isAwsRegion(name: string): boolean {
  const known = awsEndpointFunctions.partition(name) as { description?: string } | null;
  return name !== "aws-global" && known?.description !== undefined;
}

/**
 * The environments with each one's region from its ORDER_SYSTEM_<NAME>_REGION, when set; a name
 * that is not an AWS region is refused with the variable named.
 */
export function loadEnvironments(env: NodeJS.ProcessEnv = process.env): readonly EnvironmentConfig[] {
  return ENVIRONMENTS.map((environment) => {
    const variable = regionVariable(environment.name);
    const region = env[variable]?.trim() || environment.region;
    if (!isAwsRegion(region)) {
      throw new Error(
        `${variable}="${region}" is not an AWS region (for example us-east-1, eu-central-1, ap-southeast-2).`,
      );
    }
    return { ...environment, region };
  });
}

export interface BackendConfig {
  readonly bucket: string;
  readonly region: string;
  readonly keyPrefix: string;
  /**
   * A DynamoDB lock table, for stacks created before S3-native locking only (TF_STATE_LOCK_TABLE):
   * kept for the release that moves them off it (README, Remote state). New setups have none.
   */
  readonly lockTable?: string;
}

const REQUIRED_BACKEND_ENV = {
  bucket: "TF_STATE_BUCKET",
  region: "TF_STATE_REGION",
  keyPrefix: "TF_STATE_KEY_PREFIX",
} as const;
const LEGACY_LOCK_TABLE_ENV = "TF_STATE_LOCK_TABLE";

/** Reads backend.json at the project root; each field can be overridden by its TF_STATE_* variable. */
export function loadBackendConfig(projectRoot: string, env: NodeJS.ProcessEnv = process.env): BackendConfig {
  const file = join(projectRoot, "backend.json");
  const committed = JSON.parse(readFileSync(file, "utf8")) as Partial<BackendConfig>;
  const merged = { ...committed } as Record<string, unknown>;
  for (const [field, variable] of Object.entries(REQUIRED_BACKEND_ENV)) {
    if (env[variable]) merged[field] = env[variable];
    if (typeof merged[field] !== "string" || merged[field] === "") {
      throw new Error(`Backend setting "${field}" is missing: set it in backend.json or ${variable}.`);
    }
  }
  const lockTable = env[LEGACY_LOCK_TABLE_ENV] || committed.lockTable;
  return {
    bucket: merged.bucket as string,
    region: merged.region as string,
    keyPrefix: merged.keyPrefix as string,
    ...(lockTable ? { lockTable } : {}),
  };
}

/** Every stack needs S3-native state locking (use_lockfile), which Terraform has since 1.10. */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.10";
