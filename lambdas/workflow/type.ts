/**
 * The two kinds of state machine the order workflow can run as (workflow_type). STANDARD, the
 * default, bills each state transition and keeps a year of history; EXPRESS bills duration and
 * memory, runs at most 5 minutes and may run an execution more than once.
 */
export const WORKFLOW_TYPES = ["STANDARD", "EXPRESS"] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];
export const DEFAULT_WORKFLOW_TYPE: WorkflowType = "STANDARD";

export function isWorkflowType(value: unknown): value is WorkflowType {
  return (WORKFLOW_TYPES as readonly unknown[]).includes(value);
}

/** Express executions stop after 5 minutes, whatever the definition says. */
export const EXPRESS_MAX_DURATION_SECONDS = 300;
