/** The API's shared request reading: a JSON body, or the INVALID_JSON answer that says what to send. */
import { jsonBodyOf } from "../../lambdas/platform/http";

test("a JSON body is parsed as it is, whatever it holds (each route's schema judges it)", () => {
  expect(jsonBodyOf('{"reason": "Damaged"}', '{"reason": "…"}')).toEqual({ json: { reason: "Damaged" } });
  expect(jsonBodyOf("[1]", '{"reason": "…"}')).toEqual({ json: [1] });
});

test.each([
  ["malformed", '{"reason":'],
  ["empty", ""],
  ["absent", null],
])("a %s body is 400 INVALID_JSON, saying what to send", (_, raw) => {
  const answer = jsonBodyOf(raw, '{"carrier": "…", "trackingNumber": "…"}');
  expect("statusCode" in answer && { status: answer.statusCode, body: JSON.parse(answer.body) }).toEqual({
    status: 400,
    body: {
      error: {
        code: "INVALID_JSON",
        message: 'Send {"carrier": "…", "trackingNumber": "…"} as JSON.',
        details: null,
      },
    },
  });
});
