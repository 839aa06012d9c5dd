import { STATES } from "../../lambdas/workflow/definition";

/** The states a declined card's execution enters, in order: caught at payment, into the failure path. */
export const DECLINED_CARD_PATH = [
  STATES.validateOrder,
  STATES.processPayment,
  STATES.classifyFailure,
  STATES.describeBusinessFailure,
  STATES.orderFailed,
  STATES.notifyOrderFailure,
  STATES.orderProcessingFailed,
] as const;
