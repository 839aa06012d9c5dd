/** The console's local alarms are the stack's: same names, thresholds, comparisons and periods. */
import { resolve } from "node:path";
import { LOCAL_ALARMS } from "../../../local/console/local-alarms";
import { loadSynthesizedStack } from "../../../local/iam/synthesized-stack";

const { json } = loadSynthesizedStack(resolve(__dirname, "../../.."));
const alarms = json.resource?.aws_cloudwatch_metric_alarm ?? {};

test.each(LOCAL_ALARMS.map((a) => [a.alarm, a] as const))(
  "%s matches the synthesized alarm",
  (name, local) => {
    const deployed = alarms[name] as {
      threshold: unknown;
      comparison_operator: string;
      period: number;
      statistic: string;
    };
    expect(deployed).toBeDefined();
    const threshold =
      typeof deployed.threshold === "string"
        ? json.variable?.[/\$\{var\.(\w+)\}/.exec(deployed.threshold)![1]]?.default
        : deployed.threshold;
    expect(local.threshold).toBe(threshold);
    expect(local.comparison).toBe(deployed.comparison_operator);
    if (local.periodSeconds !== undefined) {
      expect(deployed.statistic).toBe("Sum");
      expect(local.periodSeconds).toBe(deployed.period);
    }
  },
);
