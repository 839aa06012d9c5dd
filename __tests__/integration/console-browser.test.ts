/// <reference lib="dom" />
/**
 * The console in a real headless Chromium (the Debian `chromium` package, driven by playwright-core):
 * orders placed through the page and through the API appear live, a confirmed order's journey shows
 * the states it entered in order, a declined card shows the failure path, the queue and stock figures
 * match /_local/queue and /products, staff adjust a product's stock from its movements, and the page
 * logs no console error. The screenshots it takes are
 * the README's (`npm run screenshots` refreshes them).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { HAPPY_PATH, STATES } from "../../lambdas/workflow/definition";
import { apiCall, localStaffToken } from "../support/local-api";
import { startTestSystem, type TestSystem } from "../support/local-system";
import { DECLINED_CARD_PATH } from "../support/workflow-paths";

jest.setTimeout(90_000);

const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (path): path is string => path !== undefined && path !== "" && existsSync(path),
);
const MISSING_BROWSER =
  "No Chromium: the console's browser test needs one (`apt-get install -y chromium`, or CHROMIUM_PATH).";

if (!CHROMIUM && process.env.CI !== "true") {
  process.stderr.write(`\n  SKIPPED console-browser.test.ts: ${MISSING_BROWSER}\n\n`);
}

test("a browser is available (in CI it must be: .ci/run installs chromium)", () => {
  if (process.env.CI === "true") expect(CHROMIUM ?? MISSING_BROWSER).not.toBe(MISSING_BROWSER);
});

(CHROMIUM ? describe : describe.skip)("the console in Chromium", () => {
  let t: TestSystem;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const keepScreenshots = process.env.CONSOLE_SCREENSHOTS_DIR;
  const screenshots = keepScreenshots ?? mkdtempSync(join(tmpdir(), "console-"));
  mkdirSync(screenshots, { recursive: true });

  beforeAll(async () => {
    t = await startTestSystem();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 1500 } });
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${t.system.url}/_local/console`);
    await page.waitForSelector("body[data-ready=true]");
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    if (!keepScreenshots) rmSync(screenshots, { recursive: true, force: true });
  });

  const row = (orderId: string, status: string) =>
    `#orders tr[data-order-id="${orderId}"][data-status="${status}"]`;
  const journeyStates = () =>
    page.locator("#steps tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-state")));
  const visitedInOrder = () =>
    page.locator("#graph g.state.visited").evaluateAll((nodes) =>
      nodes
        .map((n) => [Number(n.getAttribute("data-step")), n.getAttribute("data-state")] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, state]) => state),
    );

  test("an order placed from the page appears live and walks the graph to CONFIRMED", async () => {
    await page.selectOption("#order-product", "SKU-1003");
    await page.fill("#order-quantity", "2");
    await page.selectOption("#order-card", "tok_visa");
    await page.click("#place-button");
    const orderId = await page.locator("#place-result[data-order-id]").getAttribute("data-order-id");
    expect(orderId).toMatch(/^[0-9a-f-]{36}$/);
    await page.waitForSelector(row(orderId!, "CONFIRMED"));
    await page.waitForSelector(`#journey-panel[data-order-id="${orderId}"][data-status="CONFIRMED"]`);
    await page.waitForFunction(() => document.querySelectorAll("#steps tbody tr").length >= 3);
    // The seed's steps, and the choice that let the settled payment go straight to the stock.
    const path = [HAPPY_PATH[0], HAPPY_PATH[1], STATES.paymentSettled, HAPPY_PATH[2]];
    expect(await journeyStates()).toEqual(path);
    expect(await visitedInOrder()).toEqual(path);
    expect(await page.locator("#graph path.edge.taken").count()).toBe(path.length - 1);
    // Placed as the signed-in local customer the form names.
    expect(await page.locator(row(orderId!, "CONFIRMED")).textContent()).toContain("shopper@example.com");
    await expect(page.locator("#timeline").textContent()).resolves.toMatch(/CONFIRMED/);
    // The next overview read lists the order's SNS notification.
    await page.waitForSelector(`#notifications li:has-text("${orderId} confirmed")`);
    await page.screenshot({ path: join(screenshots, "console-confirmed.png"), fullPage: true });
  });

  test("a gateway error retried: the payment step carries its retry on the graph and in the steps", async () => {
    await page.selectOption("#order-product", "SKU-1008");
    await page.fill("#order-quantity", "1");
    await page.selectOption("#order-card", "tok_processingError");
    const previous = await page.locator("#place-result").getAttribute("data-order-id");
    await page.click("#place-button");
    // Accepted (a new order id), or refused (the page says why: the test shows it).
    await page.waitForFunction((before) => {
      const result = document.querySelector("#place-result");
      return result?.getAttribute("data-order-id") !== before || /^Refused/.test(result?.textContent ?? "");
    }, previous);
    expect(await page.locator("#place-result").textContent()).toMatch(/^Order .* accepted/);
    const orderId = await page.locator("#place-result").getAttribute("data-order-id");
    await page.waitForSelector(`#journey-panel[data-order-id="${orderId}"][data-status="CONFIRMED"]`);
    await page.waitForSelector(`#graph g[data-state="${STATES.processPayment}"] .retry-count`);
    await expect(
      page.locator(`#graph g[data-state="${STATES.processPayment}"] .retry-count`).textContent(),
    ).resolves.toBe("↻1");
    await expect(
      page.locator(`#steps tr[data-state="${STATES.processPayment}"] td:nth-child(5)`).textContent(),
    ).resolves.toBe("1");
  });

  test("an order placed through the API appears live; a declined card shows the failure path", async () => {
    const reply = await t.placeOrder({
      items: [{ productId: "SKU-1007", quantity: 1 }],
      paymentToken: "tok_chargeDeclined",
    });
    const orderId = String(reply.body.orderId);
    await page.waitForSelector(row(orderId, "FAILED"));
    await page.click(row(orderId, "FAILED"));
    await page.waitForSelector(`#journey-panel[data-order-id="${orderId}"][data-status="FAILED"]`);
    await page.waitForSelector(`#steps tr[data-state="${STATES.orderProcessingFailed}"]`);
    expect(await journeyStates()).toEqual([...DECLINED_CARD_PATH]);
    await expect(
      page.locator(`#graph g.state.visited.caught[data-state="${STATES.processPayment}"]`).count(),
    ).resolves.toBe(1);
    await expect(
      page.locator(`#graph g.state.visited.failed[data-state="${STATES.orderProcessingFailed}"]`).count(),
    ).resolves.toBe(1);
    await expect(page.locator("#journey-summary").textContent()).resolves.toMatch(/PaymentDeclined/);
    await page.screenshot({ path: join(screenshots, "console-declined.png"), fullPage: true });
  });

  test("a card asking for 3-D Secure: the journey shows the waiting step, and its button completes the payment", async () => {
    const reply = await t.placeOrder({
      items: [{ productId: "SKU-1010", quantity: 1 }],
      paymentToken: "tok_threeDSecureRequired",
    });
    const orderId = String(reply.body.orderId);
    await page.waitForSelector(row(orderId, "PROCESSING"));
    await page.click(row(orderId, "PROCESSING"));
    await page.waitForSelector(
      `#steps tr[data-state="${STATES.awaitPaymentOutcome}"][data-status="running"]`,
    );
    const actions = page.locator("#journey-summary .payment-actions");
    await actions.waitFor();
    await expect(actions.textContent()).resolves.toContain("the customer's 3-D Secure");
    await page.screenshot({ path: join(screenshots, "console-3ds-waiting.png"), fullPage: true });
    await page.click('#journey-summary button[data-outcome="succeeded"]');
    await page.waitForSelector(`#journey-panel[data-order-id="${orderId}"][data-status="CONFIRMED"]`);
    await expect(
      page.locator(`#graph g.state.visited[data-state="${STATES.awaitPaymentOutcome}"]`).count(),
    ).resolves.toBe(1);
    await expect(page.locator("#journey-summary .payment-actions").count()).resolves.toBe(0);
  });

  test("staff actions from the journey: ship a confirmed order, refund part of it; the journey shows both", async () => {
    const reply = await t.placeOrder({
      items: [{ productId: "SKU-1010", quantity: 1 }],
      paymentToken: "tok_visa",
    });
    const orderId = String(reply.body.orderId);
    await page.waitForSelector(row(orderId, "CONFIRMED"));
    await page.click(row(orderId, "CONFIRMED"));
    await page.waitForSelector(`#journey-panel[data-order-id="${orderId}"][data-status="CONFIRMED"]`);
    const staff = page.locator("#journey-summary .after-sale-actions");
    await staff.locator('input[name="carrier"]').fill("DHL");
    await staff.locator('input[name="trackingNumber"]').fill("JD0146000062");
    await staff.locator('button[data-action="ship"]').click();
    await page.waitForSelector(`#journey-panel[data-order-id="${orderId}"][data-status="SHIPPED"]`);
    await expect(page.locator("#journey-summary").textContent()).resolves.toContain(
      "with DHL (JD0146000062)",
    );
    // The shipment e-mail's event redraws the journey: let it land before typing the refund.
    await page.waitForFunction(() =>
      document.querySelector("#journey-summary")?.textContent?.includes("shipment: SENT"),
    );
    // A shipped order can no longer be cancelled: the page no longer offers it.
    await expect(page.locator('#journey-summary button[data-action="cancel"]').count()).resolves.toBe(0);
    await staff.locator('input[name="amount"]').fill("1.00");
    await staff.locator('input[name="reason"]').fill("Late delivery");
    const refunded = page.waitForResponse((r) => r.url().endsWith(`/orders/${orderId}/refunds`));
    await staff.locator('button[data-action="refund"]').click();
    const answer = await refunded;
    // The answer's body is in the comparison: a refusal says which field the page sent wrong.
    expect({ status: answer.status(), body: await answer.text() }).toEqual({
      status: 201,
      body: expect.stringContaining('"reason":"Late delivery"'),
    });
    await page.waitForFunction(() =>
      document.querySelector("#journey-summary")?.textContent?.includes("Late delivery"),
    );
    await page.screenshot({ path: join(screenshots, "console-after-sale.png"), fullPage: true });
    expect((await t.getOrder(orderId)).body).toMatchObject({
      status: "SHIPPED",
      paymentStatus: "PARTIALLY_REFUNDED",
      refunds: [{ amount: 1, reason: "Late delivery" }],
    });
  });

  test("returns on the journey: staff receive one (back on the shelf, refunded) and reject another, from the page; the order events' feed shows them", async () => {
    const reply = await t.placeOrder({
      items: [{ productId: "SKU-1010", quantity: 2 }],
      paymentToken: "tok_visa",
    });
    const orderId = String(reply.body.orderId);
    await t.waitForFinalStatus(orderId);
    const staffToken = await localStaffToken(t.system.url, "returns.desk@shop.example.com");
    const ship = { carrier: "DHL", trackingNumber: "JD0146000099" };
    expect(
      (await apiCall(t.system.url, "POST", `/orders/${orderId}/shipment`, staffToken, ship)).status,
    ).toBe(201);
    const ask = (reason: string) =>
      apiCall(
        t.system.url,
        "POST",
        `/orders/${orderId}/returns`,
        t.token,
        {
          items: [{ productId: "SKU-1010", quantity: 1 }],
          reason,
        },
        randomUUID(),
      );
    const kept = (await ask("Too small")).body.return as { returnId: string };
    const refused = (await ask("Worn")).body.return as { returnId: string };
    const stockBefore = await t.stockOf("SKU-1010");

    await page.waitForSelector(row(orderId, "SHIPPED"));
    await page.click(row(orderId, "SHIPPED"));
    await page.waitForSelector(`#journey-summary .return[data-return-id="${refused.returnId}"]`);
    const receiving = page.waitForResponse((r) => r.url().endsWith(`/returns/${kept.returnId}/receipt`));
    await page
      .locator(`#journey-summary .return[data-return-id="${kept.returnId}"] button[data-action="receive"]`)
      .click();
    const received = await receiving;
    expect({ status: received.status(), body: await received.text() }).toEqual({
      status: 201,
      body: expect.stringContaining('"status":"RECEIVED"'),
    });
    await page.waitForFunction(
      (id) =>
        document
          .querySelector(`#journey-summary .return[data-return-id="${id}"]`)
          ?.textContent?.startsWith("RECEIVED"),
      kept.returnId,
    );
    const rejection = page.locator(`#journey-summary .return[data-return-id="${refused.returnId}"]`);
    await rejection.locator(`input[name^="reject-"]`).fill("Worn and washed");
    const rejecting = page.waitForResponse((r) => r.url().endsWith(`/returns/${refused.returnId}/rejection`));
    await rejection.locator('button[data-action="reject"]').click();
    expect((await rejecting).status()).toBe(201);
    await page.waitForFunction(
      (id) =>
        document
          .querySelector(`#journey-summary .return[data-return-id="${id}"]`)
          ?.textContent?.includes("rejected: Worn and washed"),
      refused.returnId,
    );
    // The order event bus's feed shows the return's events as subscribers get them.
    await page.waitForSelector(`#order-events li[data-event-id^="${orderId}:receipt:"]`);
    await page.screenshot({ path: join(screenshots, "console-returns.png"), fullPage: true });
    expect(await t.stockOf("SKU-1010")).toBe(stockBefore + 1);
    expect((await t.getOrder(orderId)).body).toMatchObject({
      status: "SHIPPED",
      paymentStatus: "PARTIALLY_REFUNDED",
      returns: [
        { returnId: kept.returnId, status: "RECEIVED" },
        { returnId: refused.returnId, status: "REJECTED" },
      ],
    });
  });

  test("the queue and stock figures are /_local/queue's and /products'; the declined card's failure pages nobody", async () => {
    await t.system.settled();
    const queue = (await (await fetch(`${t.system.url}/_local/queue`)).json()) as Record<string, unknown>;
    const products = (
      (await (await fetch(`${t.system.url}/products`)).json()) as {
        products: { productId: string; stock: number }[];
      }
    ).products;
    const expected = {
      visible: String(queue.visible),
      inFlight: String(queue.inFlight),
      deadLettered: String(queue.deadLettered),
      stock: Object.fromEntries(products.map((p) => [p.productId, String(p.stock)])),
    };
    // The overview is read every two seconds: wait for the read after the system settled.
    await page.waitForFunction(
      (want) => {
        const text = (selector: string) => document.querySelector(selector)?.textContent;
        const stock = Object.fromEntries(
          Array.from(document.querySelectorAll("#stock tr[data-product-id]")).map((r) => [
            r.getAttribute("data-product-id"),
            r.querySelector(".stock")?.textContent,
          ]),
        );
        return (
          text("#queue-visible") === want.visible &&
          text("#queue-in-flight") === want.inFlight &&
          text("#queue-dead-letters") === want.deadLettered &&
          JSON.stringify(stock) === JSON.stringify(want.stock)
        );
      },
      expected,
      { timeout: 10_000 },
    );
    expect(expected.stock["SKU-1003"]).toBe("58");
    // The declined card above ended its execution FAILED: a business outcome, which pages nobody.
    await page.waitForSelector(
      '#alarms li[data-alarm="OrderProcessingWorkflowFailureAlarm"][data-state="OK"]',
    );
  });

  test("a dead-lettered order shows in the figures and pages; the page's redrive moves it back and it completes", async () => {
    const key = randomUUID();
    t.failWorkflowStarts(key, 100);
    const reply = await t.placeOrder(
      { items: [{ productId: "SKU-1009", quantity: 1 }], paymentToken: "tok_visa" },
      key,
    );
    const orderId = String(reply.body.orderId);
    await t.system.settled();
    await page.waitForSelector(
      '#alarms li[data-alarm="OrdersDeadLetterQueueNotEmptyAlarm"][data-state="ALARM"]',
    );
    await expect(page.locator("#queue-dead-letters").textContent()).resolves.toBe("1");
    t.failWorkflowStarts(key, 0); // the cause is fixed
    await page.click("#redrive-orders");
    await page.waitForSelector('#redrive-result:has-text("orders: 1 of 1 moved back")');
    await page.waitForSelector(row(orderId, "CONFIRMED"));
    await page.waitForSelector(
      '#alarms li[data-alarm="OrdersDeadLetterQueueNotEmptyAlarm"][data-state="OK"]',
    );
  });

  test("products: a low-stock badge, a selected product's movements, and a staff adjustment from the form", async () => {
    const productId = `CONSOLE-${randomUUID().slice(0, 6)}`;
    const staff = await (
      await fetch(`${t.system.url}/_local/token`, {
        method: "POST",
        headers: { Accept: "text/plain" },
        body: JSON.stringify({ email: "shelf@store.local", groups: ["staff"] }),
      })
    ).text();
    const created = await fetch(`${t.system.url}/products`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: staff, "Idempotency-Key": randomUUID() },
      body: JSON.stringify({ productId, name: "Console Candle", price: "6.00", stock: 4 }),
    });
    expect(created.status).toBe(201);
    // 4 is at or below the default threshold (5): the overview's next read shows the badge.
    const product = `#stock tr[data-product-id="${productId}"]`;
    await page.waitForSelector(`${product}[data-low-stock="true"] .badge.low-stock`);
    await page.click(product);
    await page.waitForSelector('#movements tbody tr[data-seq="1"][data-kind="adjustment"]');
    await page.fill("#adjust-delta", "10");
    await page.selectOption("#adjust-reason", "received");
    await page.fill("#adjust-note", "Delivery 42");
    await page.click("#adjust-button");
    await page.waitForSelector('#movements tbody tr[data-seq="2"]');
    await expect(page.locator("#adjust-result").textContent()).resolves.toBe(
      `Stock of ${productId} is now 14.`,
    );
    await expect(page.locator('#movements tbody tr[data-seq="2"]').textContent()).resolves.toMatch(
      /adjustment: received \(Delivery 42\).*\+10.*14/,
    );
    await page.waitForSelector(`${product}[data-low-stock="false"]`);
    await expect(page.locator(`${product} .stock`).textContent()).resolves.toBe("14");
    await page.locator("#products-panel").screenshot({ path: join(screenshots, "console-products.png") });
    expect(await t.stockOf(productId)).toBe(14);
  });

  test("the status filter narrows the live list; the page shows no token and logs no error", async () => {
    await page.selectOption("#filter-status", "FAILED");
    await page.waitForFunction(() => {
      const rows = Array.from(document.querySelectorAll("#orders tbody tr"));
      return rows.length > 0 && rows.every((r) => r.getAttribute("data-status") === "FAILED");
    });
    await page.selectOption("#filter-status", "");
    const html = await page.content();
    expect(html).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no ID token (a JWT) in the page
    expect(problems).toEqual([]);
  });
});
