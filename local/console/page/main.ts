/**
 * The local console's page: reads only the runtime's documented endpoints (docs/LOCAL.md, "Local
 * console"). Live changes come from the event feed (Server-Sent Events); the overview's figures are
 * read every two seconds. Bundled by esbuild when served; type-checked with `npm run typecheck`.
 */
import type { CatalogAnswer, WorkflowAnswer } from "../console-api";
import { setUpForm } from "./actions";
import { age, json, messageOf, say } from "./dom";
import { renderGraph } from "./graph";
import { connect, loadOrders } from "./orders";
import { pollOverview } from "./overview";
import { setUpProducts } from "./products";
import { state } from "./state";

async function start(): Promise<void> {
  try {
    const [workflow, catalog] = await Promise.all([
      json<WorkflowAnswer>("/_local/workflow"),
      json<CatalogAnswer>("/_local/catalog"),
    ]);
    state.graph = workflow.graph;
    state.catalog = catalog;
    setUpForm();
    setUpProducts();
    renderGraph([]);
    connect(await loadOrders());
    void pollOverview();
    setInterval(() => {
      for (const cell of document.querySelectorAll<HTMLElement>("#orders .age"))
        cell.textContent = age(cell.dataset.created ?? "");
    }, 1000);
    document.body.dataset.ready = "true";
  } catch (error) {
    say(`The console could not start: ${messageOf(error)}`);
  }
}

void start();
