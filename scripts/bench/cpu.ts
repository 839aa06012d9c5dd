/**
 * CPU time spent during a benchmark run, per process: what one order costs the machine, and so the
 * most orders per second its cores could carry at that cost, whatever the concurrency.
 */
import { readFileSync } from "node:fs";
import { performance, type EventLoopUtilization } from "node:perf_hooks";

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  /** The benchmark's process, every thread (the runtime, its helper threads, the load clients). */
  readonly processMs: number;
  /** The runtime's own thread, where the handlers and the local services run. */
  readonly mainThread: EventLoopUtilization;
  /** The database process (Linux only). */
  readonly databaseMs: number | undefined;
}

/** User + system CPU time of a process or thread from its /proc stat file, or undefined without /proc. */
function statCpuMs(file: string): number | undefined {
  try {
    const stat = readFileSync(file, "utf8");
    // Fields after "(comm) ": state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The calling thread's CPU time (Linux); elsewhere its event loop's busy time. */
export function threadCpuMs(): number {
  return statCpuMs("/proc/thread-self/stat") ?? performance.eventLoopUtilization().active;
}

export function cpuSnapshot(databasePid: number | undefined): CpuSnapshot {
  const { user, system } = process.cpuUsage();
  return {
    processMs: (user + system) / 1000,
    mainThread: performance.eventLoopUtilization(),
    databaseMs: databasePid === undefined ? undefined : statCpuMs(`/proc/${databasePid}/stat`),
  };
}

export interface CpuPerOrder {
  /** The runtime's process without the load clients' thread, ms of CPU per order. */
  readonly runtimeMs: number;
  /** Share of the run the runtime's own thread was busy (1 = saturated). */
  readonly mainThreadBusy: number;
  readonly databaseMs: number | undefined;
  /** The load clients' thread, ms of CPU per order: the benchmark's own cost, on the same cores. */
  readonly clientsMs: number;
}

/** CPU per order between two snapshots; `clientsMs` is the load clients' thread, not the system's. */
export function cpuPerOrder(
  before: CpuSnapshot,
  after: CpuSnapshot,
  clientsMs: number,
  orders: number,
): CpuPerOrder {
  const databaseMs =
    before.databaseMs === undefined || after.databaseMs === undefined
      ? undefined
      : (after.databaseMs - before.databaseMs) / orders;
  return {
    runtimeMs: (after.processMs - before.processMs - clientsMs) / orders,
    mainThreadBusy: performance.eventLoopUtilization(after.mainThread, before.mainThread).utilization,
    databaseMs,
    clientsMs: clientsMs / orders,
  };
}

/** The most orders per second `cores` fully busy cores could carry at this CPU per order. */
export function ordersPerSecondBound(cost: CpuPerOrder, cores: number): number | undefined {
  return cost.databaseMs === undefined ? undefined : (cores * 1000) / (cost.runtimeMs + cost.databaseMs);
}
