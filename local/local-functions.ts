/**
 * The bundled functions as the local runtime runs them: one fresh copy of each bundle (its own module
 * state, as a Lambda execution environment), invoked with a Lambda context and the contract's timeout.
 */
import { FUNCTIONS, functionSpec, type FunctionId } from "../lambdas/contracts";
import { lambdaContext, loadBundle, type BundleModule } from "./lambda-host";
import { localFunctionName } from "./local-resources";

export type Invoke<E = unknown, R = unknown> = (event: E) => Promise<R>;

export class LocalFunctions {
  private readonly bundles = new Map<FunctionId, BundleModule>();

  constructor(projectRoot: string) {
    for (const spec of FUNCTIONS) this.bundles.set(spec.id, loadBundle(projectRoot, spec.id));
  }

  /**
   * The function's handler, built by its own `createHandler` with some ports replaced (the local
   * queue, SNS or workflow), invoked as Lambda would: a context and the deployed timeout.
   */
  handler<E = unknown, R = unknown>(id: FunctionId, ports: object = {}): Invoke<E, R> {
    const handle = this.bundles.get(id)!.createHandler(ports);
    const timeoutMs = functionSpec(id).timeoutSeconds * 1000;
    return (event: E) => handle(event, lambdaContext(localFunctionName(id), timeoutMs)) as Promise<R>;
  }
}
