/** The shape every part of the local runtime shares: started in dependency order, stopped in reverse. */
import type { AdminRoutes } from "../admin/routes";

export interface LocalService {
  readonly name: string;
  /** Its own routes under /_local, served by the admin router. */
  readonly routes?: AdminRoutes;
  /** Finishes the work in hand, then releases what the service holds. */
  stop(): Promise<void>;
}

/** Starts services one after the other and stops the started ones in reverse order. */
export class ServiceGroup {
  private readonly started: LocalService[] = [];

  async start<S extends LocalService>(start: () => Promise<S> | S): Promise<S> {
    const service = await start();
    this.started.push(service);
    return service;
  }

  /** Stops every started service, last started first; a failing stop does not keep the others up. */
  async stopAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const service of this.started.splice(0).reverse()) {
      await service.stop().catch((error: unknown) => errors.push(error));
    }
    if (errors.length > 0) throw errors[0];
  }
}
