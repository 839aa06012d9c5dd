/**
 * docs/RUNBOOK.md has a section for every alarm the stack creates, and every alarm's description
 * links to it: an alarm added without a section, or a section left for an alarm that is gone, fails.
 */
import { DISPUTE_RUNBOOK } from "../../../lambdas/payments/after-charge";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { resourcesOf, synthOrderSystem } from "../../support/synth";

const RUNBOOK = readFileSync(resolve(__dirname, "../../../docs/RUNBOOK.md"), "utf8");

/** GitHub's anchor for a heading: lower case, spaces to dashes, punctuation dropped. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");

/** The runbook's sections by anchor: each `## ` heading and its text up to the next one. */
const sections = new Map(
  RUNBOOK.split(/^## /m)
    .slice(1)
    .map((section) => {
      const [heading, ...body] = section.split("\n");
      return [anchorOf(heading.trim()), `${heading}\n${body.join("\n")}`] as const;
    }),
);

const alarmsOf = (environment: string) =>
  Object.entries(resourcesOf(synthOrderSystem(environment), "aws_cloudwatch_metric_alarm")).map(
    ([logicalId, alarm]) => ({ logicalId, description: String(alarm.alarm_description) }),
  );

describe.each(["dev", "prod"])("%s", (environment) => {
  const alarms = alarmsOf(environment);

  test.each(alarms.map((a) => [a.logicalId, a]))(
    "%s links its runbook section, which names it and says what it means, what to check and the fix",
    (logicalId, alarm) => {
      const anchor = /Runbook: docs\/RUNBOOK\.md#([a-z0-9-]+)$/.exec(alarm.description)?.[1];
      expect(anchor).toBeDefined();
      const section = sections.get(anchor!);
      expect(section).toBeDefined();
      expect(section).toContain(logicalId);
      expect(section).toContain("**What it means:**");
      expect(section).toContain("**Fix:**");
      const checks = section!.split("**First checks:**")[1]?.split("**Fix:**")[0] ?? "";
      expect(checks.match(/^\d\. /gm)?.length ?? 0).toBeGreaterThanOrEqual(3);
    },
  );

  test("every runbook section belongs to an alarm of the stack, or to a page a function sends (a dispute)", () => {
    const linked = new Set(alarms.map((a) => /#([a-z0-9-]+)$/.exec(a.description)?.[1]));
    const paged = /#([a-z0-9-]+)$/.exec(DISPUTE_RUNBOOK)![1];
    expect(sections.get(paged)).toContain("CriticalAlertsTopic");
    linked.add(paged);
    expect([...sections.keys()].filter((anchor) => !linked.has(anchor))).toEqual([]);
  });
});
