/** Region arguments: WB2 names, "native", or boxes "name=latMin:latMax:lonMin:lonMax". */
import { z } from "zod";
import { regionSpecSchema, WB2_REGION_NAMES, type RegionSpec } from "../../lib/verification/regions";
import { VerificationInputError } from "./forecasts";

/** The default regions of a score run: the headline WB2 set of the ECMWF-style scorecards. */
export const DEFAULT_REGIONS = ["global", "northern-hemisphere", "southern-hemisphere", "tropics", "europe", "north-america", "east-asia"] as const;

export const regionArgSchema = z.union([z.string().min(1).max(200), regionSpecSchema]);
export type RegionArg = z.infer<typeof regionArgSchema>;

/** Parse one region argument. */
export function parseRegion(arg: RegionArg): RegionSpec {
  if (typeof arg !== "string") return arg;
  const s = arg.trim();
  if (s === "native") return { kind: "native" };
  if ((WB2_REGION_NAMES as readonly string[]).includes(s)) return { kind: "wb2", name: s as (typeof WB2_REGION_NAMES)[number] };
  const m = /^([\w.-]+)=(-?[\d.]+):(-?[\d.]+):(-?[\d.]+):(-?[\d.]+)$/.exec(s);
  if (m) {
    const box = regionSpecSchema.safeParse({ kind: "box", name: m[1], latMin: Number(m[2]), latMax: Number(m[3]), lonMin: Number(m[4]), lonMax: Number(m[5]) });
    if (!box.success) throw new VerificationInputError(`bad region box '${s}': ${box.error.issues[0].message}`);
    return box.data;
  }
  throw new VerificationInputError(`unknown region '${s}' (use one of ${WB2_REGION_NAMES.join(", ")}, native, or a box name=latMin:latMax:lonMin:lonMax)`);
}

export function parseRegions(args: readonly RegionArg[] | undefined): RegionSpec[] {
  const list = (args && args.length ? args : DEFAULT_REGIONS).map(parseRegion);
  const names = new Set<string>();
  for (const r of list) {
    const n = r.kind === "native" ? "native" : r.name;
    if (names.has(n)) throw new VerificationInputError(`region '${n}' given twice`);
    names.add(n);
  }
  return list;
}
