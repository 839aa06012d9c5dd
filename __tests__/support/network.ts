import { networkInterfaces } from "node:os";

/** This machine's first non-loopback IPv4 address: a caller "on the network" for --host tests. */
export function nonLoopbackAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
  if (!address) throw new Error("This machine has no non-loopback IPv4 interface to test --host with.");
  return address;
}
