/** One call of the local API as a client makes it: JSON in and out, a token and a key when given. */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export async function apiCall(
  baseUrl: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  key?: string,
): Promise<ApiAnswer> {
  const answer = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: token } : {}),
      ...(key ? { "Idempotency-Key": key } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: answer.status,
    headers: answer.headers,
    body: (await answer.json()) as Record<string, unknown>,
  };
}

/** The error code of an answer, if it is an error. */
export const codeOf = (answer: ApiAnswer) => (answer.body.error as { code: string } | undefined)?.code;

/** A local staff member's ID token (the local user pool's `staff` group). */
export async function localStaffToken(baseUrl: string, email: string): Promise<string> {
  const answer = await fetch(`${baseUrl}/_local/token`, {
    method: "POST",
    headers: { Accept: "text/plain" },
    body: JSON.stringify({ email, groups: ["staff"] }),
  });
  return answer.text();
}
