import { describe, expect, it } from "vitest";
import { dateRange, defaultStatisticsWindow, formatFrequency, isoSeconds, parseDateSpec, parseFrequency } from "./dates";
import { StatisticsAccumulator } from "./statistics";

const u = (...a: [number, number, number, number?, number?, number?]) => Date.UTC(a[0], a[1] - 1, a[2], a[3] ?? 0, a[4] ?? 0, a[5] ?? 0) / 1000;

describe("dates", () => {
  it("parses frequencies like anemoi", () => {
    expect(parseFrequency("6h")).toBe(21600);
    expect(parseFrequency("6H")).toBe(21600);
    expect(parseFrequency("30m")).toBe(1800);
    expect(parseFrequency("1d")).toBe(86400);
    expect(parseFrequency("PT6H")).toBe(21600);
    expect(parseFrequency("P1DT12H")).toBe(129600);
    expect(parseFrequency(3)).toBe(10800);
    for (const bad of ["", "6", "h", "PT", "P", "0h", "-6h", "6 hours"]) expect(() => parseFrequency(bad), bad).toThrow("invalid frequency");
    expect(formatFrequency(21600)).toBe("6h");
    expect(formatFrequency(86400)).toBe("1d");
    expect(formatFrequency(1800)).toBe("30m");
  });
  it("parses partial dates as period starts or ends", () => {
    expect(parseDateSpec(2020)).toBe(u(2020, 1, 1));
    expect(parseDateSpec(2020, "end")).toBe(u(2021, 1, 1) - 1);
    expect(parseDateSpec("2020-02", "end")).toBe(u(2020, 3, 1) - 1);
    expect(parseDateSpec(20200301)).toBe(u(2020, 3, 1));
    expect(parseDateSpec("2020-03-01", "end")).toBe(u(2020, 3, 1, 23, 59, 59));
    expect(parseDateSpec("2020-03-01T06")).toBe(u(2020, 3, 1, 6));
    expect(parseDateSpec("2020-03-01T06", "end")).toBe(u(2020, 3, 1, 6, 59, 59));
    expect(parseDateSpec("2020-03-01 06:30:00Z", "end")).toBe(u(2020, 3, 1, 6, 30));
    expect(parseDateSpec(new Date(Date.UTC(2020, 0, 1)))).toBe(u(2020, 1, 1));
    for (const bad of ["2020-02-30", "2020-13", "2020-01-01T25", "yesterday"]) expect(() => parseDateSpec(bad), bad).toThrow("invalid date");
    expect(isoSeconds(u(2020, 3, 1, 6))).toBe("2020-03-01T06:00:00");
    expect(dateRange(0, 7200, 3600)).toEqual([0, 3600, 7200]);
  });
  it("picks anemoi's default statistics window", () => {
    const daily = (y0: number, y1: number) => dateRange(u(y0, 1, 1), u(y1, 12, 31), 86400);
    expect(isoSeconds(defaultStatisticsWindow(daily(1979, 2020)).end)).toBe("2017-12-31T23:59:59");
    expect(isoSeconds(defaultStatisticsWindow(daily(2005, 2020)).end)).toBe("2019-12-31T23:59:59");
    const short = dateRange(0, 9 * 3600, 3600);
    expect(defaultStatisticsWindow(short).end).toBe(7 * 3600);
  });
});

describe("statistics accumulator", () => {
  it("serialises exactly and ignores NaNs", () => {
    const acc = new StatisticsAccumulator(2);
    acc.add(Float32Array.of(1, 2, NaN, 4, 0.1, 0.2, 0.3, 0.4), 1, 4);
    const copy = StatisticsAccumulator.deserialise(2, acc.serialise());
    copy.add(Float32Array.of(5, 5, 5, 5, NaN, NaN, NaN, NaN), 1, 4);
    acc.add(Float32Array.of(5, 5, 5, 5, NaN, NaN, NaN, NaN), 1, 4);
    expect(copy.finalise()).toEqual(acc.finalise());
    const s = acc.finalise();
    expect(Array.from(s.count)).toEqual([7, 4]);
    expect(s.mean[0]).toBeCloseTo(27 / 7, 12);
    expect(Array.from(s.hasNans)).toEqual([1, 1]);
    const empty = new StatisticsAccumulator(1).finalise();
    expect(Number.isNaN(empty.mean[0])).toBe(true);
  });
});
