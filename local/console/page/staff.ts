/**
 * The console acts as a local staff member: a token of the staff group from POST /_local/token,
 * so the staff routes' rules and local IAM apply as deployed (none needed with sign-in off).
 */
import { json } from "./dom";
import { state } from "./state";

const STAFF_EMAIL = "support@store.local";
let staffToken: string | undefined;

export async function staffAuth(): Promise<Record<string, string>> {
  if (!state.catalog?.signIn) return {};
  staffToken ??= (
    await json<{ idToken: string }>("/_local/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: STAFF_EMAIL, groups: ["staff"] }),
    })
  ).idToken;
  return { Authorization: `Bearer ${staffToken}` };
}
