import { compareMapUrl, forecastMapUrl } from "@/lib/maps/map-url";

/**
 * Map links of the run and Compare pages, in the terms those pages hold (forecast, truth, init
 * time, lead). The URL itself is built by lib/maps/map-url, the one place map links are made.
 */
export type ForecastMapTarget = {
  forecastId: string;
  /** Registered dataset id of the truth (or its path when it is not registered). */
  truth: string | null;
  variable?: string;
  /** ISO init time. */
  initTime?: string | null;
  leadHours?: number;
};

const isoZ = (iso: string) => new Date(Date.parse(/Z$|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`)).toISOString().replace(".000Z", "Z");

/** One forecast as "forecast | truth | error"; with `other`, the two forecasts as "run A | run B | A − B". */
export function forecastMapHref(t: ForecastMapTarget, other?: { forecastId: string }): string {
  const common = { forecast: t.forecastId, variable: t.variable, init: t.initTime ? isoZ(t.initTime) : undefined, lead: t.leadHours };
  return other ? compareMapUrl({ ...common, forecastB: other.forecastId }) : forecastMapUrl({ ...common, truth: t.truth ?? undefined });
}
