/**
 * How a release moves traffic from a function's current version to the new one (CodeDeploy's
 * predefined Lambda deployment configurations), and the same shape for the workflow's alias. One
 * home for the names the `release_strategy` variable accepts, the stack's deployment groups and
 * `npm run release`.
 */
export interface ReleaseStrategy {
  /** CodeDeploy's deployment configuration for the functions. */
  readonly codeDeployConfig: string;
  /** The new version's share of traffic while it bakes (100: all at once, no bake). */
  readonly canaryPercent: number;
  /** How long the canary bakes, alarms watched, before all traffic moves. */
  readonly bakeMinutes: number;
}

export const RELEASE_STRATEGIES = {
  "all-at-once": {
    codeDeployConfig: "CodeDeployDefault.LambdaAllAtOnce",
    canaryPercent: 100,
    bakeMinutes: 0,
  },
  "canary-10-percent-5-minutes": {
    codeDeployConfig: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    canaryPercent: 10,
    bakeMinutes: 5,
  },
  "canary-10-percent-15-minutes": {
    codeDeployConfig: "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    canaryPercent: 10,
    bakeMinutes: 15,
  },
} as const satisfies Record<string, ReleaseStrategy>;

export type ReleaseStrategyName = keyof typeof RELEASE_STRATEGIES;

export const RELEASE_STRATEGY_NAMES = Object.keys(RELEASE_STRATEGIES) as ReleaseStrategyName[];

export function isReleaseStrategy(value: string): value is ReleaseStrategyName {
  return Object.hasOwn(RELEASE_STRATEGIES, value);
}
