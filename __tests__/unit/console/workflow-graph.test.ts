/** The console's state-machine graph: every state and every way out of it, laid out without overlaps. */
import { buildOrderWorkflowDefinition, STATES } from "../../../lambdas/workflow/definition";
import { localWorkflowResources } from "../../../local/runtime/resources";
import { workflowGraph } from "../../../local/console/workflow-graph";

const definition = buildOrderWorkflowDefinition(localWorkflowResources(1800), "STANDARD");
const graph = workflowGraph(definition);

test("one node per state of the definition, the start marked", () => {
  expect(graph.nodes.map((n) => n.id).sort()).toEqual(Object.keys(definition.States).sort());
  expect(graph.nodes.filter((n) => n.start).map((n) => n.id)).toEqual([definition.StartAt]);
  expect(graph.nodes.find((n) => n.id === STATES.processPayment)).toMatchObject({
    type: "Task",
    retries: true,
    catches: true,
  });
});

test("one edge per Next, Choice rule, Default and Catch, each with a drawn path", () => {
  const expected: string[] = [];
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as {
      Next?: string;
      Default?: string;
      Choices?: { Next: string }[];
      Catch?: { Next: string }[];
    };
    if (state.Next) expected.push(`${name}>${state.Next}:next`);
    for (const c of state.Choices ?? []) expected.push(`${name}>${c.Next}:choice`);
    if (state.Default) expected.push(`${name}>${state.Default}:default`);
    for (const c of state.Catch ?? []) expected.push(`${name}>${c.Next}:catch`);
  }
  expect(graph.edges.map((e) => `${e.from}>${e.to}:${e.kind}`).sort()).toEqual(expected.sort());
  for (const edge of graph.edges) expect(edge.points.length).toBeGreaterThanOrEqual(2);
  // The compensation branch is there: inventory failures are caught into ReleaseInventory.
  expect(graph.edges).toContainEqual(
    expect.objectContaining({ from: STATES.updateInventory, to: STATES.releaseInventory, kind: "catch" }),
  );
});

test("boxes fit the drawing and never overlap", () => {
  const boxes = graph.nodes.map((n) => ({
    id: n.id,
    left: n.x - n.width / 2,
    right: n.x + n.width / 2,
    top: n.y - n.height / 2,
    bottom: n.y + n.height / 2,
  }));
  for (const b of boxes) {
    expect(b.left).toBeGreaterThanOrEqual(0);
    expect(b.top).toBeGreaterThanOrEqual(0);
    expect(b.right).toBeLessThanOrEqual(graph.width);
    expect(b.bottom).toBeLessThanOrEqual(graph.height);
  }
  for (const a of boxes)
    for (const b of boxes) {
      if (a.id >= b.id) continue;
      const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      expect(overlap ? `${a.id} overlaps ${b.id}` : "").toBe("");
    }
});

test("the Express definition's extra states are drawn too", () => {
  const express = buildOrderWorkflowDefinition(localWorkflowResources(1800), "EXPRESS");
  expect(workflowGraph(express).nodes.map((n) => n.id)).toContain(STATES.announceConfirmed);
});
