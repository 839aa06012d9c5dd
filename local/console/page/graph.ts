/** The definition's graph (laid out by the runtime with dagre) with the path an execution took. */
import type { ExecutionStep } from "../console-api";
import { $, svg } from "./dom";
import { state } from "./state";

function arrowMarkers(): SVGElement {
  const defs = svg("defs");
  for (const kind of ["plain", "taken"]) {
    const marker = svg("marker", {
      id: `arrow-${kind}`,
      viewBox: "0 0 10 10",
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: "auto-start-reverse",
    });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: `arrow ${kind}` }));
    defs.append(marker);
  }
  return defs;
}

function titled(node: SVGElement, text: string): SVGElement {
  const title = svg("title");
  title.textContent = text;
  node.append(title);
  return node;
}

function label(text: string, attributes: Record<string, string | number>): SVGElement {
  const node = svg("text", attributes);
  node.textContent = text;
  return node;
}

export function renderGraph(steps: readonly ExecutionStep[]): void {
  const graph = state.graph;
  if (!graph) return;
  const canvas = svg("svg", {
    viewBox: `0 0 ${graph.width} ${graph.height}`,
    role: "img",
    style: `max-width: ${graph.width}px`,
  });
  canvas.append(arrowMarkers());
  const taken = new Set(steps.slice(1).map((step, i) => `${steps[i].state}→${step.state}`));
  for (const edge of graph.edges) {
    const wasTaken = taken.has(`${edge.from}→${edge.to}`);
    const path = svg("path", {
      d: edge.points.map((p, i) => `${i ? "L" : "M"} ${p.x} ${p.y}`).join(" "),
      class: `edge ${edge.kind}${wasTaken ? " taken" : ""}`,
      "marker-end": `url(#arrow-${wasTaken ? "taken" : "plain"})`,
      "data-from": edge.from,
      "data-to": edge.to,
    });
    canvas.append(
      titled(
        path,
        `${edge.from} → ${edge.to}${edge.label ? ` (${edge.kind}: ${edge.label})` : ` (${edge.kind})`}`,
      ),
    );
  }
  const firstEntry = new Map<string, number>();
  steps.forEach((step, i) => {
    if (!firstEntry.has(step.state)) firstEntry.set(step.state, i + 1);
  });
  for (const node of graph.nodes) {
    const entry = firstEntry.get(node.id);
    const last = steps.findLast((s) => s.state === node.id);
    const group = svg("g", {
      class: `state ${node.type}${entry && last ? ` visited ${last.status}` : ""}`,
      "data-state": node.id,
      "data-step": entry ?? "",
      transform: `translate(${node.x - node.width / 2} ${node.y - node.height / 2})`,
    });
    group.append(
      svg("rect", { width: node.width, height: node.height, rx: node.type === "Choice" ? 16 : 6 }),
    );
    group.append(label(node.id, { x: node.width / 2, y: node.height / 2 + 4, "text-anchor": "middle" }));
    if (entry) {
      group.append(svg("circle", { cx: 0, cy: 0, r: 9, class: "badge" }));
      group.append(label(String(entry), { x: 0, y: 4, "text-anchor": "middle", class: "badge-text" }));
    }
    const retries = steps.filter((s) => s.state === node.id).reduce((n, s) => n + s.retries, 0);
    if (retries > 0)
      group.append(
        label(`↻${retries}`, { x: node.width - 4, y: 12, "text-anchor": "end", class: "retry-count" }),
      );
    canvas.append(
      titled(
        group,
        `${node.id} (${node.type})${node.retries ? " · retries transient errors" : ""}${node.catches ? " · catches errors" : ""}`,
      ),
    );
  }
  $("#graph").replaceChildren(canvas);
}
