/** Loads the bundled handlers (dist/lambdas/<folder>/index.js) and invokes them as Lambda would. */
import type { Context } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import { Writable } from "node:stream";
import {
  BUNDLE_ENTRY_FILE,
  BUNDLE_ROOT,
  functionSpec,
  type FunctionId,
} from "../../lambdas/platform/contracts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../runtime/resources";

export type LambdaHandler<E = unknown, R = unknown> = (event: E, context?: Context) => Promise<R>;

export interface BundleModule<E = unknown, R = unknown> {
  readonly handler: LambdaHandler<E, R>;
  readonly createHandler: (overrides?: object) => LambdaHandler<E, R>;
}

export function bundlePath(projectRoot: string, id: FunctionId): string {
  return join(projectRoot, BUNDLE_ROOT, functionSpec(id).folder, BUNDLE_ENTRY_FILE);
}

/** Where a bundle's standard output and error go: its log group, as Lambda sends them to CloudWatch Logs. */
export type BundleOutput = (text: string, stream: "stdout" | "stderr") => void;

/**
 * The host's process as one function sees it: stdout and stderr go to its own log stream, and its
 * environment is the host's with some variables of its own (its credentials).
 */
function processFor(output: BundleOutput | undefined, own: Readonly<Record<string, string>>): NodeJS.Process {
  const stream = (name: "stdout" | "stderr") =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        output?.(chunk.toString(), name);
        done();
      },
    });
  const streams = { stdout: stream("stdout"), stderr: stream("stderr") };
  // Read through to the host's environment, so a variable set after loading is seen, as before.
  const env = new Proxy(process.env, {
    get: (target, name) =>
      typeof name === "string" && Object.hasOwn(own, name) ? own[name] : target[name as string],
  });
  // One bound copy of each method, not a new one per access: the SDK and the logger read
  // process.* on every call.
  const bound = new Map<PropertyKey, { readonly method: Method; readonly boundMethod: Method }>();
  return new Proxy(process, {
    get(target, property) {
      if (property === "env") return env;
      if (output && (property === "stdout" || property === "stderr")) return streams[property];
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const known = bound.get(property);
      if (known?.method === value) return known.boundMethod;
      const boundMethod = (value as Method).bind(target);
      bound.set(property, { method: value as Method, boundMethod });
      return boundMethod;
    },
  });
}

type Method = (...args: unknown[]) => unknown;

interface CommonJsModule {
  exports: object;
}

/** A CommonJS module's text evaluated in the caller's realm with the function's `process`. */
function evaluateModule(
  file: string,
  module: CommonJsModule,
  host: NodeJS.Process,
  require: NodeJS.Require,
): void {
  const evaluate = new Function(
    "exports",
    "require",
    "module",
    "__filename",
    "__dirname",
    "process",
    // sourceURL names the code in stack traces and profiles.
    `${readFileSync(file, "utf8")}\n//# sourceURL=${file}`,
  );
  evaluate(module.exports, require, module, file, dirname(file), host);
}

/**
 * `require` for a file of the function's folder: the folder's own files (its first-use files, as
 * scripts/bundle.ts writes them) are evaluated like index.js, once per load, so their SDK clients
 * see the function's environment too; anything else (Node's own modules) is Node's require.
 */
function folderRequire(
  file: string,
  folder: string,
  host: NodeJS.Process,
  loaded: Map<string, CommonJsModule>,
): NodeJS.Require {
  const nodeRequire = createRequire(file);
  const ownRequire = (specifier: string): unknown => {
    const resolved = nodeRequire.resolve(specifier);
    if (!resolved.startsWith(folder + sep) || !resolved.endsWith(".js")) return nodeRequire(specifier);
    let module = loaded.get(resolved);
    if (!module) {
      module = { exports: {} };
      loaded.set(resolved, module);
      evaluateModule(resolved, module, host, folderRequire(resolved, folder, host, loaded));
    }
    return module.exports;
  };
  return Object.assign(ownRequire, {
    resolve: nodeRequire.resolve,
    cache: nodeRequire.cache,
    main: nodeRequire.main,
    extensions: nodeRequire.extensions,
  });
}

/**
 * Loads a fresh copy of a bundle, outside the module cache: like a Lambda execution environment,
 * each load has its own module state (SDK clients built from the environment at load time), so a
 * restarted local system never talks to the previous one's services. The CommonJS wrapper is
 * evaluated in the caller's realm, so the bundle sees its host's `process.env` (with `ownEnvironment`
 * over it: each function signs its AWS calls with its own access key, which local IAM attributes to
 * its role), and so do the first-use files it requires later; its output goes to `output` when given
 * (the handlers' logs, as their log group receives them).
 */
export function loadBundle<E = unknown, R = unknown>(
  projectRoot: string,
  id: FunctionId,
  output?: BundleOutput,
  ownEnvironment: Readonly<Record<string, string>> = {},
): BundleModule<E, R> {
  const file = bundlePath(projectRoot, id);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run build\` (npm start does it for you).`);
  }
  const host = processFor(output, ownEnvironment);
  const module = { exports: {} };
  evaluateModule(file, module, host, folderRequire(file, dirname(file), host, new Map()));
  return module.exports as BundleModule<E, R>;
}

export function lambdaContext(functionName: string, timeoutMs: number, memoryMb = 256): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Step Functions sees a failed Lambda as Error = errorType and Cause = the JSON error payload;
 * this rethrows a handler's error in that shape so the definition's Catch/Retry behave as on AWS,
 * and answers null for a handler that returns nothing, as Lambda's invoke does.
 */
export function asLambdaTask<E, R>(invoke: (input: E) => Promise<R>) {
  return async (input: E): Promise<R | null> => {
    try {
      // A handler that returns nothing answers null, as Lambda's payload is then.
      return (await invoke(input)) ?? null;
    } catch (error) {
      const errorType = error instanceof Error ? error.name : "Error";
      const errorMessage = error instanceof Error ? error.message : String(error);
      const failure = new Error(JSON.stringify({ errorType, errorMessage }));
      failure.name = errorType;
      throw failure;
    }
  };
}
