import { z } from "zod";
import { SYNTHETIC_VARIABLES } from "./variables";

/** Parameters of the anomaly dynamics (see docs/synthetic-source.md for what each one does). */
export const SyntheticDynamicsSchema = z
  .object({
    /** Solid-body zonal flow U (m/s, at the equator) advecting the waves: ω gains m·U/a. */
    zonalFlow: z.number().min(-50).max(50).default(12),
    /** Lamb parameter ε in ω = −2Ωm/(l(l+1) + ε); 0 is the non-divergent Rossby–Haurwitz wave. */
    lambParameter: z.number().min(0).max(1000).default(20),
    /** e-folding damping time (days) at degree 10. */
    dampingDays: z.number().positive().max(365).default(10),
    /** τ_l = dampingDays·(10/l)^dampingExponent, capped at maxDampingDays. */
    dampingExponent: z.number().min(0).max(3).default(1),
    maxDampingDays: z.number().positive().max(120).default(20),
    /** Degree near which the pressure/temperature anomaly variance peaks. */
    spectrumPeak: z.number().min(1).max(60).default(6),
    /** Multiplies every anomaly standard deviation (stationary OU amplitude; the per-hour noise follows). */
    amplitude: z.number().min(0).max(10).default(1),
  })
  .strict();

export const SyntheticConfigSchema = z
  .object({
    /** Any non-negative safe integer; the same seed gives bit-identical fields. */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Maximum spherical-harmonic degree of the anomalies. */
    degree: z.number().int().min(2).max(63).default(21),
    /** Subset (and order) of variables; default all. */
    variables: z.array(z.enum(SYNTHETIC_VARIABLES)).min(1).optional(),
    dynamics: SyntheticDynamicsSchema.prefault({}),
  })
  .strict();

export type SyntheticConfig = z.output<typeof SyntheticConfigSchema>;
export type SyntheticConfigInput = z.input<typeof SyntheticConfigSchema>;
