/** OrdersQueue settings shared by the stack, the consumer's timeout and the local queue. */
export const ORDERS_QUEUE_SETTINGS = {
  /** StartOrderProcessing's Lambda timeout. */
  consumerTimeoutSeconds: 30,
  /** AWS guidance: at least 6x the consumer's timeout, so a retried batch is not redelivered mid-flight. */
  visibilityTimeoutSeconds: 180,
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: 4,
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
  messageRetentionSeconds: 4 * 24 * 3600,
  deadLetterRetentionSeconds: 14 * 24 * 3600,
} as const;
