/**
 * The load generator of `npm run bench:local`, run in a worker thread: `concurrency` clients post
 * `orders` orders and report each accepted order's id with the absolute time its POST started, and
 * at the end the CPU their thread used. The parent cannot ask: a worker's event-loop utilization
 * read from outside is all zeros on this Node.
 */
import { parentPort, workerData } from "node:worker_threads";
import { threadCpuMs } from "./cpu";

export interface LoadClientsData {
  readonly url: string;
  readonly orders: number;
  readonly concurrency: number;
  readonly tokens: readonly string[];
  readonly products: readonly string[];
}

export type LoadMessage =
  | { readonly orderId: string; readonly t0: number }
  | { readonly done: true; readonly cpuMs: number }
  | { readonly error: string };

const { url, orders, concurrency, tokens, products } = workerData as LoadClientsData;
const send = (message: LoadMessage) => parentPort!.postMessage(message);
const cpuAtStart = threadCpuMs();
let next = 0;

async function client(): Promise<void> {
  while (next < orders) {
    const i = next++;
    const t0 = performance.timeOrigin + performance.now();
    const response = await fetch(url + "/orders", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(tokens.length ? { Authorization: tokens[i % tokens.length] } : {}),
      },
      body: JSON.stringify({
        ...(tokens.length ? {} : { customerEmail: `bench${i}@example.com` }),
        paymentToken: "tok_visa",
        items: [{ productId: products[i % products.length], quantity: 1 }],
      }),
    });
    const body = (await response.json()) as { orderId?: string };
    if (response.status !== 202 || !body.orderId) throw new Error(`Order ${i} rejected: ${response.status}`);
    send({ orderId: body.orderId, t0 });
  }
}

Promise.all(Array.from({ length: concurrency }, client)).then(
  () => send({ done: true, cpuMs: threadCpuMs() - cpuAtStart }),
  (error: unknown) => send({ error: String(error) }),
);
