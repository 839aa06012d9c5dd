// The suite runs on the Node 22 that `npm ci` installs (the "node" devDependency); npm scripts put it
// first on PATH. Running jest with another Node would test a runtime Lambda does not use.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  throw new Error(
    `Tests need Node 22 or later (this is ${process.version}): run them with \`npm test\` after \`npm ci\`.`,
  );
}

// Handlers read their configuration from the environment at load time, as on Lambda.
process.env.AWS_REGION ??= "us-east-1";
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";
process.env.ORDERS_TABLE_NAME ??= "orders-test";
process.env.INVENTORY_TABLE_NAME ??= "inventory-test";
process.env.STOCK_MOVEMENTS_TABLE_NAME ??= "stock-movements-test";
process.env.ORDER_KEYS_TABLE_NAME ??= "order-keys-test";
process.env.STATE_MACHINE_ARN ??= "arn:aws:states:us-east-1:123456789012:stateMachine:order-processing-test";
process.env.ORDER_ALERTS_TOPIC_ARN ??= "arn:aws:sns:us-east-1:123456789012:order-alerts-test";
process.env.CRITICAL_ALERTS_TOPIC_ARN ??= "arn:aws:sns:us-east-1:123456789012:critical-alerts-test";
process.env.ORDER_EVENT_BUS_NAME ??= "order-events-test";
process.env.ORDER_EVENT_SOURCE ??= "test.orders";
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
process.env.CHECKPOINT_DISABLE = "1";
process.env.EMAIL_SUPPRESSION_TABLE_NAME ??= "email-suppression-test";
process.env.SENDER_ADDRESS ??= "orders@shop.example.com";
process.env.EMAIL_CONFIGURATION_SET_NAME ??= "test-customer-email";
process.env.CONFIRMATION_EMAIL_TEMPLATE_NAME ??= "test-order-confirmation";
process.env.FAILURE_EMAIL_TEMPLATE_NAME ??= "test-order-failed";
