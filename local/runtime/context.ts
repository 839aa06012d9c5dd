/**
 * What every local service is started with: the resolved settings, the runtime's log (which also
 * feeds the console's event feed), the billing meter, local IAM (undefined with --no-iam), and the
 * services started before it, looked up by their module so that each dependency is typed and named
 * in the code that needs it.
 */
import { watchForConsole, type ConsoleWatch } from "../console/console-feed";
import { EventFeed, orderIdOfLine } from "../console/event-feed";
import { LocalEnforcement } from "../iam/local-enforcement";
import { Meter } from "../meter/meter";
import type { LocalService } from "./service";
import type { RuntimeSettings } from "./settings";

export type Log = (line: string) => void;
export type { LocalService };

/**
 * One emulated AWS service (or runtime part): its name and how it starts. `start` answers undefined
 * when this deployment has no such service at all (no Secrets Manager without Stripe); a service
 * whose routes exist either way starts and says what it lacks (SES without customer e-mail, Cognito
 * without a user pool).
 */
export interface ServiceModule<S extends LocalService = LocalService> {
  readonly name: string;
  start(ctx: RuntimeContext): Promise<S | undefined> | S | undefined;
}

export class RuntimeContext {
  readonly feed = new EventFeed();
  readonly watch: ConsoleWatch = watchForConsole(this.feed);
  readonly meter = new Meter();
  readonly iam: LocalEnforcement | undefined;
  private readonly started = new Map<ServiceModule, LocalService>();
  /** Where the functions' SDK clients find each AWS twin with an HTTP endpoint (set by that twin). */
  readonly endpoints: { dynamoDb?: string; secretsManager?: string; ses?: string } = {};

  constructor(readonly settings: RuntimeSettings) {
    this.iam = settings.iam ? enforcementFor(settings, this.log) : undefined;
  }

  /** One readable line per order event: to the caller's log and to the event feed. */
  readonly log: Log = (line) => {
    this.settings.log?.(line);
    this.feed.append("log", { line }, orderIdOfLine(line));
  };

  provide<S extends LocalService>(module: ServiceModule<S>, service: S): void {
    this.started.set(module as unknown as ServiceModule, service);
  }

  /** A service this one cannot run without; the composer's order guarantees it started first. */
  need<S extends LocalService>(module: ServiceModule<S>): S {
    const service = this.find(module);
    if (!service) throw new Error(`The local ${module.name} service is not running (start order?)`);
    return service;
  }

  /** A service this deployment may not have. */
  find<S extends LocalService>(module: ServiceModule<S>): S | undefined {
    return this.started.get(module as unknown as ServiceModule) as S | undefined;
  }

  /** The services started so far, in start order. */
  services(): readonly LocalService[] {
    return [...this.started.values()];
  }
}

/**
 * Local IAM from the synthesized stack, for this deployment's variable values. Local functions run
 * outside any VPC, whatever vpc_mode would do in AWS.
 */
function enforcementFor(settings: RuntimeSettings, log: Log): LocalEnforcement {
  return new LocalEnforcement({
    projectRoot: settings.projectRoot,
    variables: {
      payment_provider: settings.paymentProvider,
      customer_emails: settings.customerEmails,
      workflow_type: settings.workflowType,
      api_auth: settings.apiAuth,
      vpc_mode: "none",
    },
    stackVariant: settings.iamStackVariant,
    log,
  });
}
