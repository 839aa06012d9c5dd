/** What the page holds between renders. */
import type { CatalogAnswer, ConsoleOrder, WorkflowGraph } from "../console-api";

export interface OrderLineInput {
  productId: string;
  quantity: number;
}

export const state = {
  orders: new Map<string, ConsoleOrder>(),
  filter: { status: "", customer: "" },
  selected: null as string | null,
  graph: null as WorkflowGraph | null,
  catalog: null as CatalogAnswer | null,
  lines: [] as OrderLineInput[],
  /** With sign-in on: the local customer's ID token, in memory only. */
  token: null as { email: string; idToken: string } | null,
  stream: null as EventSource | null,
};
