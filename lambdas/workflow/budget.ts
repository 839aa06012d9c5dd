/**
 * The longest an execution of a definition can take: the slowest path from StartAt to an end, each
 * Task counted at its worst (every attempt runs to its bound, every retry waits its longest delay).
 * An Express workflow must fit this in its TimeoutSeconds, and that in Express's 5 minutes.
 */
import type { StateDefinition, WorkflowDefinition } from "./definition";

interface Retrier {
  readonly MaxAttempts?: number;
  readonly IntervalSeconds?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
}

/** Seconds one attempt of a Task without TimeoutSeconds may take (a Lambda task: its function's timeout). */
export type TaskBound = (state: string, definition: StateDefinition) => number | undefined;

/** The retries' longest total wait (ASL defaults: 3 attempts, 1 s, backoff 2; jitter only shortens). */
function retryWaitSeconds(retrier: Retrier): number {
  const attempts = retrier.MaxAttempts ?? 3;
  let total = 0;
  for (let k = 0; k < attempts; k++) {
    const delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** k;
    total += Math.min(delay, retrier.MaxDelaySeconds ?? Infinity);
  }
  return total;
}

/** A state's own worst case: Tasks only, each attempt at its bound, retries of every retrier. */
export function stateWorstCaseSeconds(name: string, state: StateDefinition, bound: TaskBound): number {
  if (state.Type !== "Task") return 0;
  const perAttempt = typeof state.TimeoutSeconds === "number" ? state.TimeoutSeconds : bound(name, state);
  if (perAttempt === undefined) {
    throw new Error(`Task ${name} has no TimeoutSeconds and no known bound: its worst case is unbounded.`);
  }
  const retriers = (state.Retry ?? []) as Retrier[];
  const attempts = 1 + retriers.reduce((sum, r) => sum + (r.MaxAttempts ?? 3), 0);
  return attempts * perAttempt + retriers.reduce((sum, r) => sum + retryWaitSeconds(r), 0);
}

function successors(state: StateDefinition): string[] {
  const next: string[] = [];
  if (typeof state.Next === "string") next.push(state.Next);
  if (typeof state.Default === "string") next.push(state.Default);
  for (const choice of (state.Choices ?? []) as { Next: string }[]) next.push(choice.Next);
  for (const handler of (state.Catch ?? []) as { Next: string }[]) next.push(handler.Next);
  return next;
}

/** The slowest path's worst case and its states, in order. Throws on a loop (it would be unbounded). */
export function worstCasePath(
  definition: WorkflowDefinition,
  bound: TaskBound,
): { readonly seconds: number; readonly path: readonly string[] } {
  const memo = new Map<string, { seconds: number; path: string[] }>();
  const visiting = new Set<string>();
  const walk = (name: string): { seconds: number; path: string[] } => {
    const known = memo.get(name);
    if (known) return known;
    if (visiting.has(name)) throw new Error(`The definition loops through ${name}: no worst case exists.`);
    const state = definition.States[name];
    if (!state) throw new Error(`State ${name} is referenced but not defined.`);
    visiting.add(name);
    const own = stateWorstCaseSeconds(name, state, bound);
    const slowest = successors(state)
      .map(walk)
      .reduce<{ seconds: number; path: string[] }>((a, b) => (b.seconds > a.seconds ? b : a), {
        seconds: 0,
        path: [],
      });
    visiting.delete(name);
    const result = { seconds: own + slowest.seconds, path: [name, ...slowest.path] };
    memo.set(name, result);
    return result;
  };
  return walk(definition.StartAt);
}
