import { selfTimeByArea, withinWindow, type CpuProfile } from "../../scripts/bench/profile-summary";

/** A profile of two frames: start-up code for 3 ms, then a handler for 4 ms, then start-up again. */
function profile(): CpuProfile {
  const frame = (id: number, url: string) => ({ id, callFrame: { functionName: "f", url } });
  return {
    nodes: [frame(1, "file:///p/node_modules/tsx/x.js"), frame(2, "file:///p/dist/lambdas/a/index.js")],
    samples: [1, 1, 1, 2, 2, 2, 2, 1],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
    startTime: 5_000_000,
    endTime: 5_008_000,
  };
}

describe("withinWindow (bench:local --profile: the load run alone)", () => {
  it("keeps only the samples taken inside the window, by their absolute time", () => {
    // Samples are at 5_001_000 … 5_008_000; the handler's at 5_004_000 … 5_007_000.
    const cut = withinWindow(profile(), { startUs: 5_004_000, endUs: 5_008_000 });
    expect(cut.samples).toEqual([2, 2, 2, 2]);
    expect(cut.timeDeltas).toEqual([1000, 1000, 1000, 1000]);
    expect(cut.endTime - cut.startTime).toBe(4000);
    expect(selfTimeByArea(cut).map((a) => a.area)).toEqual([
      "bundled handlers (their code and the AWS SDK in them)",
    ]);
  });

  it("keeps nothing from a window outside the profile", () => {
    expect(withinWindow(profile(), { startUs: 1, endUs: 2 }).samples).toEqual([]);
  });
});
