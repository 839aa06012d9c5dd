/**
 * Stryker ignorer: leaves log and metric statements unmutated. Their text and dimensions are not
 * the order system's guarantees (the observability test checks the shape of logs and EMF for one
 * handler); mutating every log message only buries the mutants that matter. Ignored:
 *   logger.*(...), metrics.*(...) and createObservability(...) calls, and an `if` whose whole body
 *   is such calls (e.g. `if (changed) metrics.addMetric(...)`).
 */
import { declareValuePlugin, PluginKind } from "@stryker-mutator/api/plugin";

const OBSERVERS = new Set(["logger", "metrics"]);

function isObservabilityCall(node) {
  if (!node || node.type !== "CallExpression") return false;
  const callee = node.callee;
  if (callee.type === "Identifier") return callee.name === "createObservability";
  return (
    callee.type === "MemberExpression" &&
    callee.object.type === "Identifier" &&
    OBSERVERS.has(callee.object.name)
  );
}

function isObservabilityStatement(node) {
  if (!node) return false;
  if (node.type === "ExpressionStatement") return isObservabilityCall(node.expression);
  if (node.type === "BlockStatement")
    return node.body.length > 0 && node.body.every(isObservabilityStatement);
  return false;
}

const observability = {
  shouldIgnore(path) {
    const node = path.node;
    if (isObservabilityCall(node) || isObservabilityStatement(node)) return "log or metric statement";
    if (node.type === "IfStatement" && !node.alternate && isObservabilityStatement(node.consequent)) {
      return "condition that only decides a log or metric";
    }
    return undefined;
  },
};

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, "observability", observability)];
