/**
 * Links from verification views to the Maps page. The page keeps its whole state in the URL
 * (components/maps/maps-view.tsx): `dataset` (registered id or path), `variable`, `date`
 * (ISO time or index), `panels`. A forecast is named with `forecast=<id>` and `lead=<hours>`
 * (and a second one for comparisons with `otherForecast=<id>`); `dataset` is the truth it was
 * scored against, `date` the forecast's init time. All map links are built here.
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

const isoNoZone = (iso: string) => iso.replace(/\.\d+Z$|Z$/, "");

export function forecastMapHref(t: ForecastMapTarget, other?: { forecastId: string }): string {
  const q = new URLSearchParams();
  if (t.truth) q.set("dataset", t.truth);
  if (t.variable) q.set("variable", t.variable);
  if (t.initTime) q.set("date", isoNoZone(t.initTime));
  q.set("forecast", t.forecastId);
  if (t.leadHours !== undefined) q.set("lead", String(t.leadHours));
  if (other) {
    q.set("otherForecast", other.forecastId);
    q.set("panels", "a,b,a-b");
  }
  return `/maps?${q.toString()}`;
}
