// Preload for benchmarks: reports the process's peak resident memory when it exits.
process.on("exit", () => process.stderr.write(`\nmaxrss_kb=${process.resourceUsage().maxRSS}\n`));
