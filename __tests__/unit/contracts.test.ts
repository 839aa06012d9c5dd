/** Function contracts: the typed configuration reader and the environment derived from a contract. */
import { environmentFor, functionSpec, FUNCTIONS } from "../../lambdas/platform/contracts";
import { type ResourceHandles } from "../../lambdas/platform/resources";
import {
  CONFIG,
  DEFAULT_SETTINGS,
  FUNCTION_CONFIG,
  functionConfig,
  ORDER_PLACEMENT_CONFIG,
  PROCESS_PAYMENT_CONFIG,
  VALIDATE_ORDER_CONFIG,
} from "../../lambdas/platform/config";
import { LOCAL_RESOURCES, localEnvironment } from "../../local/runtime/resources";

const settings = { ...DEFAULT_SETTINGS, simulatedGatewayTransientFailures: "2" };

test("functionConfig returns the declared values and names a missing variable at first use", () => {
  const config = functionConfig("OrderPlacement", ORDER_PLACEMENT_CONFIG, {
    ORDERS_TABLE_NAME: "orders",
    INVENTORY_TABLE_NAME: "inventory",
  });
  expect(config.ordersTableName).toBe("orders");
  expect(config.inventoryTableName).toBe("inventory");
  expect(() => config.orderKeysTableName).toThrow(
    "OrderPlacement: missing required environment variable ORDER_KEYS_TABLE_NAME (orderKeysTableName)",
  );
});

test("an empty variable counts as missing; a setting with a default falls back to it", () => {
  expect(
    () => functionConfig("ValidateOrder", VALIDATE_ORDER_CONFIG, { ORDERS_TABLE_NAME: "" }).ordersTableName,
  ).toThrow(/ORDERS_TABLE_NAME/);
  const payment = functionConfig("ProcessPayment", PROCESS_PAYMENT_CONFIG, {});
  expect(payment.paymentGateway).toBe("simulated");
  expect(payment.simulatedGatewayTransientFailures).toBe("1");
});

test("a function's environment is exactly the configuration its contract declares", () => {
  for (const spec of FUNCTIONS) {
    const env = environmentFor(spec, LOCAL_RESOURCES, settings);
    expect(Object.keys(env).sort()).toEqual(spec.config.map((name) => CONFIG[name].env).sort());
  }
  expect(environmentFor(functionSpec("ProcessPayment"), LOCAL_RESOURCES, settings)).toEqual({
    ORDERS_TABLE_NAME: "local-orders",
    PAYMENT_GATEWAY: "simulated",
    SIMULATED_GATEWAY_TRANSIENT_FAILURES: "2",
    STRIPE_SECRET_ARN: LOCAL_RESOURCES.stripeSecret.arn,
    STRIPE_API_BASE: "",
  });
});

test("a configuration bound to a resource attribute that is not given fails, naming both", () => {
  const withoutName: ResourceHandles = {
    ...LOCAL_RESOURCES,
    orderKeysTable: { arn: "arn:aws:dynamodb:::t" },
  };
  expect(() => environmentFor(functionSpec("OrderPlacement"), withoutName, settings)).toThrow(
    "orderKeysTableName needs the name of orderKeysTable",
  );
});

test("the local runtime gives every function every variable its contract declares", () => {
  const env = localEnvironment({ dynamoDbEndpoint: "http://127.0.0.1:1", settings });
  for (const spec of FUNCTIONS) {
    for (const name of spec.config) expect(env[CONFIG[name].env]).toEqual(expect.any(String));
    // Each handler's reader finds its whole configuration there.
    const config = functionConfig(spec.id, FUNCTION_CONFIG[spec.id], env) as Record<string, string>;
    for (const name of spec.config) expect(config[name]).toBe(env[CONFIG[name].env]);
  }
});

test("every grant names a resource the deployments provide and at least one action", () => {
  for (const spec of FUNCTIONS) {
    for (const grant of spec.access) {
      expect(LOCAL_RESOURCES[grant.resource]).toBeDefined();
      expect(grant.actions.length).toBeGreaterThan(0);
    }
  }
});
