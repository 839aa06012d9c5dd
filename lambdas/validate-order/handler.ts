/**
 * ValidateOrderLambda: checks products and stock and prices the order from InventoryTable. It only
 * reads: the items come with the execution's input (else from the order), and ProcessPayment records
 * the priced lines when it opens the payment.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { dynamoDbInventoryStore } from "../catalog/adapters/dynamodb-inventory-store";
import { dynamoDbOrderStore } from "../orders/adapters/dynamodb-order-store";
import { BusinessError } from "../platform/errors";
import { formatMoney } from "../platform/money";
import type { PricedLine } from "../orders/order";
import type { InventoryStore } from "../catalog/ports";
import type { OrderStore } from "../orders/ports";
import { createObservability, instrumented } from "../platform/observability";
import { workflowInputSchema, type ValidatedOrder } from "../workflow/io";
import { functionConfig, VALIDATE_ORDER_CONFIG } from "../platform/config";

export interface ValidateOrderDeps {
  readonly orders: OrderStore;
  readonly inventory: InventoryStore;
}

const observability = createObservability("validate-order");
const config = functionConfig("ValidateOrder", VALIDATE_ORDER_CONFIG);
const { logger, metrics } = observability;

export function createHandler(overrides: Partial<ValidateOrderDeps> = {}) {
  const deps: ValidateOrderDeps = {
    orders: overrides.orders ?? dynamoDbOrderStore(config),
    inventory: overrides.inventory ?? dynamoDbInventoryStore(config),
  };

  return (input: unknown, context?: Context): Promise<ValidatedOrder> =>
    instrumented(observability, context, async () => {
      const { orderId, items } = workflowInputSchema.parse(input);
      logger.appendKeys({ orderId });
      const order = items ? { items } : await deps.orders.get(orderId);
      if (!order) throw new BusinessError("OrderNotFound", `Order ${orderId} does not exist.`);

      const products = await deps.inventory.getProducts(order.items.map((i) => i.productId));
      const unknown = order.items.filter((i) => !products.has(i.productId)).map((i) => i.productId);
      if (unknown.length > 0) {
        throw new BusinessError("ProductNotFound", `Unknown product: ${unknown.join(", ")}.`);
      }
      const offSale = order.items.filter((i) => !products.get(i.productId)!.active).map((i) => i.productId);
      if (offSale.length > 0) {
        throw new BusinessError("ProductUnavailable", `Not on sale: ${offSale.join(", ")}.`);
      }
      const short = order.items.flatMap((item) => {
        const product = products.get(item.productId)!;
        return product.stock < item.quantity
          ? [`${product.name} (${item.productId}): ${item.quantity} requested, ${product.stock} in stock`]
          : [];
      });
      if (short.length > 0)
        throw new BusinessError("InsufficientStock", `Insufficient stock: ${short.join("; ")}.`);

      const lines: PricedLine[] = order.items.map((item) => {
        const product = products.get(item.productId)!;
        return {
          productId: item.productId,
          name: product.name,
          quantity: item.quantity,
          unitPriceMinor: product.priceMinor,
          lineTotalMinor: product.priceMinor * item.quantity,
        };
      });
      const currencies = new Set(order.items.map((i) => products.get(i.productId)!.currency));
      if (currencies.size > 1) {
        throw new BusinessError(
          "ProductNotFound",
          "Products priced in different currencies cannot share an order.",
        );
      }
      const [currency] = currencies;
      const totalMinor = lines.reduce((sum, line) => sum + line.lineTotalMinor, 0);
      logger.info("Order validated", { total: formatMoney(totalMinor, currency) });
      metrics.addMetric("OrdersValidated", MetricUnit.Count, 1);
      return {
        orderId,
        totalMinor,
        currency,
        items: order.items.map(({ productId, quantity }) => {
          const { stock, loggedMovements, name, lowStockThreshold } = products.get(productId)!;
          return loggedMovements === undefined
            ? { productId, quantity }
            : {
                productId,
                quantity,
                seen: {
                  stock,
                  logSize: loggedMovements,
                  name,
                  ...(lowStockThreshold === undefined ? {} : { threshold: lowStockThreshold }),
                },
              };
        }),
        lines,
      };
    });
}

export const handler = createHandler();
