import type { z } from "zod";
import type { DatasetSource } from "./source";

/**
 * Named dataset sources usable in recipes (`input: {netcdf: {...}}`). Built-in sources are
 * imported lazily by name on first use, so loading the registry costs nothing.
 */

/** What a source's `create` gets besides its validated config. */
export type SourceContext = {
  /** Directory that relative paths in the recipe are resolved against (the recipe file's directory). */
  baseDir: string;
  /** The recipe's dates (seconds since 1970), for sources that need to know the range up front. */
  dates?: readonly number[];
};

export type SourceFactory<C = unknown> = {
  configSchema: z.ZodType<C>;
  create(config: C, context: SourceContext): DatasetSource | Promise<DatasetSource>;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- factories are stored type-erased; getSource re-validates configs with their own schema
type AnyFactory = SourceFactory<any>;

const registered = new Map<string, AnyFactory>();

/** Built-in sources and how to load them. A module may be absent (not written yet): then the source is unavailable. */
const loadForcings = () =>
  import("./forcings").then((m): AnyFactory => ({ configSchema: m.ForcingsConfigSchema, create: (config) => m.createForcingsSource(config) }));

const builtins: Record<string, () => Promise<AnyFactory>> = {
  netcdf: () => import("./netcdf").then((m) => m.netcdfSource),
  "xarray-zarr": () => import("./xarray-zarr").then((m) => m.xarrayZarrSource),
  synthetic: () =>
    import("./synthetic").then((m): AnyFactory => ({ configSchema: m.SyntheticConfigSchema, create: (config) => m.createSyntheticSource(config) })),
  forcings: loadForcings,
  constants: loadForcings,
};

export function registerSource<C>(name: string, factory: SourceFactory<C>): void {
  registered.set(name, factory as AnyFactory);
}

/** Register a lazily loaded source (used for the built-ins written in other modules). */
export function registerLazySource(name: string, load: () => Promise<AnyFactory>): void {
  builtins[name] = load;
}

export class UnknownSourceError extends Error {}

export function sourceNames(): string[] {
  return [...new Set([...registered.keys(), ...Object.keys(builtins)])].sort();
}

export function hasSource(name: string): boolean {
  return registered.has(name) || name in builtins;
}

export async function getSource(name: string): Promise<AnyFactory> {
  const known = registered.get(name);
  if (known) return known;
  const load = builtins[name];
  if (!load) throw new UnknownSourceError(`unknown source '${name}' (available: ${sourceNames().join(", ")})`);
  let factory: AnyFactory;
  try {
    factory = await load();
  } catch (err) {
    throw new UnknownSourceError(`source '${name}' could not be loaded: ${(err as Error).message}`);
  }
  if (!factory) throw new UnknownSourceError(`source '${name}' is not available in this build`);
  registered.set(name, factory);
  return factory;
}
