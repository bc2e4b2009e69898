import type { SourceVariable } from "../source";

/** Variables the synthetic source produces, in their default order. */
export const SYNTHETIC_VARIABLES = ["z_500", "t_850", "2t", "msl", "10u", "10v", "q_700", "tp"] as const;
export type SyntheticVariable = (typeof SYNTHETIC_VARIABLES)[number];

const sfc = (param: string, paramId: number) => ({ mars: { param, levtype: "sfc" }, grib: { paramId, shortName: param } });
const pl = (param: string, level: number, paramId: number) => ({
  mars: { param, levelist: level, levtype: "pl" },
  grib: { paramId, shortName: param },
});

/** anemoi-style names, units (ECMWF spelling) and `variables_metadata`. */
export const SYNTHETIC_VARIABLE_INFO: Record<SyntheticVariable, SourceVariable> = {
  z_500: { name: "z_500", units: "m**2 s**-2", longName: "Geopotential at 500 hPa", metadata: pl("z", 500, 129) },
  t_850: { name: "t_850", units: "K", longName: "Temperature at 850 hPa", metadata: pl("t", 850, 130) },
  "2t": { name: "2t", units: "K", longName: "2 metre temperature", metadata: sfc("2t", 167) },
  msl: { name: "msl", units: "Pa", longName: "Mean sea level pressure", metadata: sfc("msl", 151) },
  "10u": { name: "10u", units: "m s**-1", longName: "10 metre U wind component", metadata: sfc("10u", 165) },
  "10v": { name: "10v", units: "m s**-1", longName: "10 metre V wind component", metadata: sfc("10v", 166) },
  q_700: { name: "q_700", units: "kg kg**-1", longName: "Specific humidity at 700 hPa", metadata: pl("q", 700, 133) },
  tp: {
    name: "tp",
    units: "m",
    longName: "Total precipitation (6-hour accumulation)",
    metadata: { ...sfc("tp", 228), process: "accumulation", period: ["0h", "6h"] },
  },
};
