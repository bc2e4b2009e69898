/** Verification core: weights, regions, sufficient statistics, aggregation, significance, scorecards. */
export * from "./latitude-weights";
export * from "./regions";
export * from "./stats";
export * from "./deterministic";
export * from "./acc";
export * from "./crps";
export * from "./ensemble";
export * from "./merge";
export * from "./aggregate";
export * from "./student-t";
export * from "./significance";
export * from "./scorecard";
