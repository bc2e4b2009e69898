import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import zlib from "node:zlib";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { DatasetError, dateIndex, openDataset, type Dataset } from "../../lib/datasets";
import { GridSpecError, parseGrid, type Grid } from "../../lib/grids";
import { encodeField, FIELD_CONTENT_TYPE, rasterMapGrid, type DatasetMeta, type GridInfo, type RasterMapGrid } from "../../lib/maps";
import { datasets } from "../db/schema";
import type { Services } from "../services";

/**
 * The field service (docs/maps.md):
 * - `GET /api/grids/<gridId>`: grid descriptor JSON (immutable); `/api/grids/<gridId>/raster`:
 *   the nearest-point raster of an unstructured grid (Int32 little-endian, immutable);
 * - `GET /api/fields/meta?dataset=…`: variables, dates and grid of a dataset;
 * - `GET /api/fields?dataset=…&date=…&variable=…&encoding=q16|f32[&member=][&minus=…][&minusDate=…]`:
 *   one field as the binary envelope of lib/maps (JSON header + little-endian body), compressed
 *   with br or gzip when the client accepts it. `variable=ws` (or `ws_<level>`) is the wind speed
 *   from 10u/10v (u_<level>/v_<level>); `minus` and/or `minusDate` subtract another dataset's or
 *   date's field (same grid and valid date required).
 */

export function isFieldsPath(pathname: string): boolean {
  return pathname === "/api/fields" || pathname.startsWith("/api/fields/") || pathname.startsWith("/api/grids/");
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const dateParam = z.string().trim().min(1);
export const FieldQuerySchema = z.object({
  dataset: z.string().trim().min(1, "dataset is required (a path or a registered dataset id)"),
  variable: z.string().trim().min(1, "variable is required"),
  date: dateParam.default("0"),
  encoding: z.enum(["q16", "f32"]).default("q16"),
  member: z.coerce.number().int().nonnegative().default(0),
  minus: z.string().trim().min(1).optional(),
  minusDate: dateParam.optional(),
});
export type FieldQuery = z.infer<typeof FieldQuerySchema>;

const MetaQuerySchema = z.object({ dataset: z.string().trim().min(1, "dataset is required (a path or a registered dataset id)") });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------
// Caches: opened datasets (re-opened when the store's attributes change), recently read dates,
// grids seen, and unstructured rasters.

type OpenEntry = { ds: Promise<Dataset>; stamp: number };
const opened = new Map<string, OpenEntry>();
const MAX_OPEN = 8;
const dateCache = new Map<string, Promise<Float32Array>>();
const MAX_DATE_BYTES = 512 * 1024 * 1024;
const dateBytes = new Map<string, number>();
const grids = new Map<string, Grid>();
const rasters = new Map<string, Promise<RasterMapGrid>>();

function stampOf(storePath: string): number {
  try {
    return fs.statSync(path.join(storePath, ".zattrs")).mtimeMs;
  } catch {
    return 0;
  }
}

async function resolveDatasetPath(services: Services, spec: string, local: boolean): Promise<string> {
  if (UUID.test(spec)) {
    const [row] = await services.storage.db.select().from(datasets).where(eq(datasets.id, spec));
    if (!row) throw new HttpError(404, `no registered dataset with id ${spec}`);
    return row.path;
  }
  const abs = path.resolve(services.env.home, spec);
  const inHome = !path.relative(services.env.home, abs).startsWith("..");
  // Remote clients may only read registered datasets or stores under ISOBAR_HOME.
  if (!local && !inHome) throw new HttpError(403, "only registered datasets or paths under ISOBAR_HOME can be read remotely");
  if (!fs.existsSync(abs)) throw new HttpError(404, `dataset ${spec} not found`);
  return abs;
}

async function openCached(storePath: string): Promise<Dataset> {
  const stamp = stampOf(storePath);
  const hit = opened.get(storePath);
  if (hit && hit.stamp === stamp) {
    opened.delete(storePath);
    opened.set(storePath, hit);
    return hit.ds;
  }
  if (hit) for (const k of [...dateCache.keys()]) if (k.startsWith(`${storePath}#`)) dropDate(k);
  const ds = openDataset(storePath);
  opened.set(storePath, { ds, stamp });
  ds.catch(() => opened.delete(storePath));
  while (opened.size > MAX_OPEN) opened.delete(opened.keys().next().value!);
  const d = await ds;
  grids.set(d.grid.id, d.grid);
  return d;
}

function dropDate(key: string): void {
  dateCache.delete(key);
  dateBytes.delete(key);
}

function readDateCached(storePath: string, ds: Dataset, i: number): Promise<Float32Array> {
  const key = `${storePath}#${i}`;
  const hit = dateCache.get(key);
  if (hit) {
    dateCache.delete(key);
    dateCache.set(key, hit);
    return hit;
  }
  const p = ds.readDate(i);
  dateCache.set(key, p);
  p.then(
    (a) => {
      dateBytes.set(key, a.byteLength);
      let total = [...dateBytes.values()].reduce((s, b) => s + b, 0);
      for (const k of dateCache.keys()) {
        if (total <= MAX_DATE_BYTES || k === key) break;
        total -= dateBytes.get(k) ?? 0;
        dropDate(k);
      }
    },
    () => dropDate(key),
  );
  return p;
}

// ---------------------------------------------------------------------------------------------

function resolveDate(ds: Dataset, spec: string, what: string): number {
  if (/^-?\d+$/.test(spec) && spec.length < 8) {
    const i = Number(spec);
    const idx = i < 0 ? ds.dates.length + i : i;
    if (idx < 0 || idx >= ds.dates.length) throw new HttpError(400, `${what} index ${spec} is out of range: the dataset has ${ds.dates.length} dates`);
    return idx;
  }
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(spec) ? spec : `${spec}Z`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new HttpError(400, `${what} '${spec}' is neither an ISO date nor an index`);
  const idx = dateIndex(ds, Math.round(ms / 1000));
  if (idx < 0) throw new HttpError(400, `${what} ${new Date(ms).toISOString()} is not in the dataset (${isoOf(ds.dates[0])} … ${isoOf(ds.dates[ds.dates.length - 1])})`);
  return idx;
}

const isoOf = (s: number) => new Date(s * 1000).toISOString().replace(".000Z", "Z");

/** Derived variables: name → [u, v] components. */
function windComponents(variable: string): [string, string] | null {
  if (variable === "ws" || variable === "10si") return ["10u", "10v"];
  const m = /^ws_(\d+)$/.exec(variable);
  return m ? [`u_${m[1]}`, `v_${m[1]}`] : null;
}

function derivedVariables(ds: Dataset): string[] {
  const out: string[] = [];
  if (ds.variables.includes("10u") && ds.variables.includes("10v")) out.push("ws");
  for (const v of ds.variables) {
    const m = /^u_(\d+)$/.exec(v);
    if (m && ds.variables.includes(`v_${m[1]}`)) out.push(`ws_${m[1]}`);
  }
  return out;
}

function unitsOf(ds: Dataset, variable: string): string {
  const u = ds.variablesMetadata[variable]?.units;
  return typeof u === "string" ? u : "";
}

type Field = { values: Float32Array; units: string; derived?: string };

async function readField(storePath: string, ds: Dataset, dateIdx: number, variable: string, member: number): Promise<Field> {
  if (member >= ds.ensembles) throw new HttpError(400, `member ${member} is out of range: the dataset has ${ds.ensembles} ensemble member(s)`);
  const n = ds.grid.size;
  const all = await readDateCached(storePath, ds, dateIdx);
  const slice = (name: string) => {
    const k = ds.variables.indexOf(name);
    const off = (k * ds.ensembles + member) * n;
    return all.subarray(off, off + n);
  };
  if (ds.variables.includes(variable)) return { values: slice(variable), units: unitsOf(ds, variable) };
  const wind = windComponents(variable);
  if (wind && ds.variables.includes(wind[0]) && ds.variables.includes(wind[1])) {
    const u = slice(wind[0]);
    const v = slice(wind[1]);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.hypot(u[i], v[i]);
    return { values: out, units: unitsOf(ds, wind[0]) || "m s**-1", derived: `speed from ${wind[0]}, ${wind[1]}` };
  }
  throw new HttpError(400, `variable '${variable}' is not in the dataset (variables: ${ds.variables.join(", ")}${derivedVariables(ds).length ? `; derived: ${derivedVariables(ds).join(", ")}` : ""})`);
}

/** Reads (and derives) the field of a query; exported for the benchmark and tests. */
export async function computeField(services: Services, q: FieldQuery, local = true): Promise<{ field: Field; grid: Grid; date: string; source: string }> {
  const aPath = await resolveDatasetPath(services, q.dataset, local);
  const a = await openCached(aPath);
  const ia = resolveDate(a, q.date, "date");
  const field = await readField(aPath, a, ia, q.variable, q.member);
  let source = a.description;
  if (q.minus !== undefined || q.minusDate !== undefined) {
    const bPath = q.minus !== undefined ? await resolveDatasetPath(services, q.minus, local) : aPath;
    const b = bPath === aPath ? a : await openCached(bPath);
    if (b.grid.id !== a.grid.id) throw new HttpError(400, `cannot subtract: grids differ (${a.grid.id} with ${a.grid.size} points vs ${b.grid.id} with ${b.grid.size} points)`);
    let ib: number;
    if (q.minusDate !== undefined) ib = resolveDate(b, q.minusDate, "minusDate");
    else {
      ib = dateIndex(b, a.dates[ia]);
      if (ib < 0) throw new HttpError(400, `cannot subtract: ${isoOf(a.dates[ia])} is not a date of ${q.minus} (${isoOf(b.dates[0])} … ${isoOf(b.dates[b.dates.length - 1])}); pass minusDate to compare different times`);
    }
    const other = await readField(bPath, b, ib, q.variable, Math.min(q.member, b.ensembles - 1));
    const d = new Float32Array(field.values.length);
    for (let i = 0; i < d.length; i++) d[i] = field.values[i] - other.values[i];
    const what = bPath === aPath ? `${isoOf(a.dates[ia])} − ${isoOf(b.dates[ib])}` : `${a.description} − ${b.description}`;
    return { field: { values: d, units: field.units, derived: `difference: ${what}` }, grid: a.grid, date: isoOf(a.dates[ia]), source };
  }
  source = a.description;
  return { field, grid: a.grid, date: isoOf(a.dates[ia]), source };
}

export async function datasetMeta(services: Services, spec: string, local = true): Promise<DatasetMeta> {
  const p = await resolveDatasetPath(services, spec, local);
  const ds = await openCached(p);
  const name = typeof ds.attrs.name === "string" ? ds.attrs.name : null;
  return {
    dataset: spec,
    description: ds.description,
    name,
    gridId: ds.grid.id,
    gridKind: ds.grid.kind,
    size: ds.grid.size,
    variables: ds.variables.map((v) => {
      const ln = ds.variablesMetadata[v]?.long_name;
      return { name: v, units: unitsOf(ds, v), longName: typeof ln === "string" ? ln : null };
    }),
    dates: ds.dates.map(isoOf),
    derived: derivedVariables(ds),
  };
}

function gridById(id: string): Grid {
  const g = grids.get(id);
  if (g) return g;
  try {
    const parsed = parseGrid(id);
    if (parsed.id !== id) throw new GridSpecError(`not canonical`);
    grids.set(id, parsed);
    return parsed;
  } catch (e) {
    if (e instanceof GridSpecError) throw new HttpError(404, `unknown grid ${id} (open a dataset on it first)`);
    throw e;
  }
}

function rasterOf(grid: Grid): Promise<RasterMapGrid> {
  let r = rasters.get(grid.id);
  if (!r) {
    r = Promise.resolve().then(() => rasterMapGrid(grid));
    rasters.set(grid.id, r);
  }
  return r;
}

export async function gridInfo(id: string): Promise<GridInfo> {
  const g = gridById(id);
  const info: GridInfo = { gridId: g.id, kind: g.kind, size: g.size, descriptor: g.descriptor as GridInfo["descriptor"] };
  if (!g.rowTable()) {
    const { west, south, dlon, dlat, nx, ny } = await rasterOf(g);
    info.raster = { west, south, dlon, dlat, nx, ny };
  }
  return info;
}

// ---------------------------------------------------------------------------------------------

function queryObject(url: URL): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of url.searchParams) o[k] = v;
  return o;
}

function parseQuery<T extends z.ZodType>(schema: T, url: URL): z.infer<T> {
  const r = schema.safeParse(queryObject(url));
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HttpError(400, `${i.path.join(".") || "query"}: ${i.message}`);
  }
  return r.data;
}

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: Uint8Array | string, headers: Record<string, string>): void {
  const buf = typeof body === "string" ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const accept = String(req.headers["accept-encoding"] ?? "");
  let out: Buffer = buf;
  const h: Record<string, string> = { vary: "accept-encoding", ...headers };
  if (buf.length > 1024) {
    if (/\bbr\b/.test(accept)) {
      out = zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } });
      h["content-encoding"] = "br";
    } else if (/\bgzip\b/.test(accept)) {
      out = zlib.gzipSync(buf, { level: 6 });
      h["content-encoding"] = "gzip";
    }
  }
  h["content-length"] = String(out.length);
  res.writeHead(status, h);
  res.end(req.method === "HEAD" ? undefined : out);
}

function sendJson(req: http.IncomingMessage, res: http.ServerResponse, status: number, value: unknown, cache = "no-store"): void {
  send(req, res, status, JSON.stringify(value), { "content-type": "application/json", "cache-control": cache });
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127."));
}

export async function handleFieldsRequest(req: http.IncomingMessage, res: http.ServerResponse, services: Services): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const local = isLoopback(req.socket.remoteAddress);
  try {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "use GET");
    const p = url.pathname;
    if (p.startsWith("/api/grids/")) {
      const rest = decodeURIComponent(p.slice("/api/grids/".length));
      const immutable = "public, max-age=31536000, immutable";
      if (rest.endsWith("/raster")) {
        const g = gridById(rest.slice(0, -"/raster".length));
        if (g.rowTable()) throw new HttpError(404, `grid ${g.id} has a row table and no raster`);
        const r = await rasterOf(g);
        send(req, res, 200, new Uint8Array(r.index.buffer, r.index.byteOffset, r.index.byteLength), { "content-type": "application/octet-stream", "cache-control": immutable });
        return;
      }
      sendJson(req, res, 200, await gridInfo(rest), immutable);
      return;
    }
    if (p === "/api/fields/meta") {
      const q = parseQuery(MetaQuerySchema, url);
      sendJson(req, res, 200, await datasetMeta(services, q.dataset, local));
      return;
    }
    if (p === "/api/fields") {
      const q = parseQuery(FieldQuerySchema, url);
      const { field, grid, date, source } = await computeField(services, q, local);
      const bytes = encodeField(field.values, q.encoding, { gridId: grid.id, variable: q.variable, units: field.units, date, derived: field.derived, source });
      send(req, res, 200, bytes, { "content-type": FIELD_CONTENT_TYPE, "cache-control": "private, max-age=60" });
      return;
    }
    throw new HttpError(404, `no such endpoint ${p}`);
  } catch (e) {
    const status = e instanceof HttpError ? e.status : e instanceof DatasetError ? 400 : 500;
    if (status === 500) console.error(`[isobar] ${url.pathname} failed:`, e);
    if (!res.headersSent) sendJson(req, res, status, { error: e instanceof Error ? e.message : String(e) });
    else res.end();
  }
}
