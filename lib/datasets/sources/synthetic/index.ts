/** The `synthetic` dataset source (see docs/synthetic-source.md). */
export { SyntheticSource, SyntheticField, createSyntheticSource, TP_HOURS } from "./source";
export { SyntheticConfigSchema, SyntheticDynamicsSchema } from "./config";
export type { SyntheticConfig, SyntheticConfigInput } from "./config";
export { SYNTHETIC_VARIABLES, SYNTHETIC_VARIABLE_INFO } from "./variables";
export type { SyntheticVariable } from "./variables";
export { landSeaMask, landSeaMaskOn, landRaster, continentalityCoefficients } from "./landmask";
