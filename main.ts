/**
 * The cdktf app: the state-backend bootstrap stack and one order-system stack per environment
 * (`order-system-dev`, `order-system-prod`), each with its own remote state and its own region
 * (ORDER_SYSTEM_<NAME>_REGION, us-east-1 by default).
 */
import { App } from "cdktf";
import { loadBackendConfig, loadEnvironments } from "./stacks/config";
import { OrderSystemStack } from "./stacks/order-system-stack";
import { StateBackendStack } from "./stacks/state-backend-stack";

const app = new App();
const backend = loadBackendConfig(__dirname);
new StateBackendStack(app, "state-backend", backend);
for (const environment of loadEnvironments()) {
  new OrderSystemStack(app, `order-system-${environment.name}`, { environment, backend });
}
app.synth();
