/**
 * The state machine as the console draws it: every state of the definition the runtime runs (the
 * stack's own builder) and every way out of it (Next, a Choice's rules and Default, Catch), laid out
 * by dagre. The page only draws what this returns; nothing is placed by hand.
 */
import { graphlib, layout } from "@dagrejs/dagre";
import type { WorkflowDefinition } from "../../lambdas/workflow/definition";

export type EdgeKind = "next" | "choice" | "default" | "catch";

export interface GraphNode {
  readonly id: string;
  readonly type: string;
  /** Centre of the box, and its size. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The definition retries it (transient errors): the page marks it. */
  readonly retries: boolean;
  /** It catches errors into another branch (compensation or the failure path). */
  readonly catches: boolean;
  readonly start: boolean;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** What sends an execution this way: the errors a Catch takes, or a Choice rule's variable. */
  readonly label?: string;
  readonly points: readonly { x: number; y: number }[];
}

export interface WorkflowGraph {
  readonly startAt: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

type Rule = { Next?: string; Variable?: string; And?: Rule[]; Or?: Rule[]; Not?: Rule };
type State = {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: Rule[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Retry?: unknown[];
};

/** The variable a Choice rule tests (the first one, for compound rules). */
function ruleVariable(rule: Rule): string | undefined {
  return (
    rule.Variable ??
    [...(rule.And ?? []), ...(rule.Or ?? []), ...(rule.Not ? [rule.Not] : [])].map(ruleVariable).find(Boolean)
  );
}

function exitsOf(name: string, state: State): Omit<GraphEdge, "points">[] {
  const exits: Omit<GraphEdge, "points">[] = [];
  if (state.Next) exits.push({ from: name, to: state.Next, kind: "next" });
  for (const rule of state.Choices ?? [])
    if (rule.Next) exits.push({ from: name, to: rule.Next, kind: "choice", label: ruleVariable(rule) });
  if (state.Default) exits.push({ from: name, to: state.Default, kind: "default" });
  for (const c of state.Catch ?? [])
    exits.push({ from: name, to: c.Next, kind: "catch", label: c.ErrorEquals.join(", ") });
  return exits;
}

/** A box wide enough for its name in the page's 13px font. */
const boxWidth = (name: string) => Math.max(120, Math.round(name.length * 7.4) + 28);
const BOX_HEIGHT = 38;

export function workflowGraph(definition: WorkflowDefinition): WorkflowGraph {
  const graph = new graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 44, edgesep: 12, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  const states = definition.States as Record<string, State>;
  for (const name of Object.keys(states)) graph.setNode(name, { width: boxWidth(name), height: BOX_HEIGHT });
  const exits = Object.entries(states).flatMap(([name, state]) => exitsOf(name, state));
  exits.forEach((edge, i) => graph.setEdge(edge.from, edge.to, {}, `e${i}`));
  layout(graph);
  const nodes = Object.entries(states).map(([name, state]): GraphNode => {
    const { x, y, width, height } = graph.node(name);
    return {
      id: name,
      type: state.Type,
      x,
      y,
      width,
      height,
      retries: (state.Retry?.length ?? 0) > 0,
      catches: (state.Catch?.length ?? 0) > 0,
      start: name === definition.StartAt,
    };
  });
  const edges = exits.map((edge, i): GraphEdge => ({
    ...edge,
    points: (graph.edge({ v: edge.from, w: edge.to, name: `e${i}` }).points ?? []).map(
      ({ x, y }: { x: number; y: number }) => ({ x: Math.round(x), y: Math.round(y) }),
    ),
  }));
  const { width = 0, height = 0 } = graph.graph();
  return { startAt: definition.StartAt, width, height, nodes, edges };
}
