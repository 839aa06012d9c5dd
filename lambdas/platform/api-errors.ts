/**
 * Every error code the order API's function answers with, and its HTTP status: the one home the
 * handler's answers, the request validation and the README's list are checked against. (Answers API
 * Gateway gives itself are in gateway-responses.ts.)
 */
export const API_ERRORS = {
  // The order request (POST /orders, the root method), whole or per field (`details`).
  MISSING_BODY: 400,
  INVALID_JSON: 400,
  INVALID_BODY: 400,
  BODY_TOO_LARGE: 400,
  MISSING_FIELD: 400,
  INVALID_TYPE: 400,
  INVALID_VALUE: 400,
  UNKNOWN_FIELD: 400,
  INVALID_EMAIL: 400,
  EMPTY_ITEMS: 400,
  TOO_MANY_ITEMS: 400,
  INVALID_QUANTITY: 400,
  INVALID_PRODUCT_ID: 400,
  DUPLICATE_PRODUCT: 400,
  INVALID_PAYMENT_TOKEN: 400,
  INVALID_ITEMS: 400,
  INVALID_IDEMPOTENCY_KEY: 400,
  CUSTOMER_EMAIL_MISMATCH: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 409,
  ORDER_NOT_CONFIRMED_RECORDED: 503,
  // Signed-in customers.
  UNAUTHORIZED: 401,
  EMAIL_NOT_VERIFIED: 403,
  CUSTOMER_REQUIRED: 403,
  // Reading orders (GET /orders, GET /orders/{orderId}).
  ORDER_NOT_FOUND: 404,
  INVALID_LIMIT: 400,
  INVALID_CURSOR: 400,
  UNKNOWN_PARAMETER: 400,
  // Staff refunds (POST /orders/{orderId}/refunds).
  STAFF_ONLY: 403,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  INVALID_AMOUNT: 400,
  INVALID_REASON: 400,
  REFUND_EXCEEDS_CHARGE: 409,
  ORDER_NOT_REFUNDABLE: 409,
  REFUND_FAILED: 502,
  PAYMENT_PROVIDER_UNAVAILABLE: 503,
  // The catalogue (GET /products/{productId}; staff: POST /products, PATCH /products/{productId},
  // POST /products/{productId}/stock-adjustments, GET /products/{productId}/stock-movements).
  PRODUCT_NOT_FOUND: 404,
  PRODUCT_EXISTS: 409,
  INVALID_NAME: 400,
  INVALID_PRICE: 400,
  INVALID_STOCK: 400,
  INVALID_ACTIVE: 400,
  INVALID_THRESHOLD: 400,
  INVALID_DELTA: 400,
  INVALID_NOTE: 400,
  STOCK_WOULD_GO_NEGATIVE: 409,
  // Cancelling (POST /orders/{orderId}/cancel) and shipping (POST /orders/{orderId}/shipment).
  ORDER_ALREADY_SHIPPED: 409,
  ORDER_NOT_CANCELLABLE: 409,
  ORDER_NOT_SHIPPABLE: 409,
  INVALID_SHIPMENT: 400,
  // Returns (POST /orders/{orderId}/returns; staff: …/returns/{returnId}/receipt and /rejection).
  RETURNS_DISABLED: 409,
  ORDER_NOT_RETURNABLE: 409,
  RETURN_WINDOW_CLOSED: 409,
  RETURN_EXCEEDS_ORDER: 409,
  RETURN_NOT_FOUND: 404,
  RETURN_NOT_RECEIVABLE: 409,
  RETURN_EXCEEDS_REQUEST: 409,
  RETURN_NOT_REJECTABLE: 409,
  // A customer's data (GET /me/data, DELETE /me, POST /customers/{customerId}/erasure).
  CUSTOMER_NOT_FOUND: 404,
  // The payment provider's webhook (POST /webhooks/stripe).
  INVALID_SIGNATURE: 400,
  WEBHOOK_NOT_CONFIGURED: 503,
  // Anything else.
  ROUTE_NOT_FOUND: 404,
  INTERNAL_ERROR: 500,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof API_ERRORS;
