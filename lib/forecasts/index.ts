/** Forecast stores (Isobar layout and WB2-style adapter), climatologies and baselines. See docs/forecast-store.md. */
export * from "./store";
export * from "./climatology";
export * from "./baselines";
export { openWb2Forecast, isWb2Forecast } from "./wb2";
