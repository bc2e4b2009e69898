import { WebMercatorViewport, type DefaultProps, type UpdateParameters, type Viewport } from "@deck.gl/core";
import { BitmapLayer, type BitmapLayerProps } from "@deck.gl/layers";
import type { Device, Texture } from "@luma.gl/core";
import type { Model } from "@luma.gl/engine";
import type { ShaderModule } from "@luma.gl/shadertools";
import { buildLut, latitudeRowCache, ROW_CACHE_STRIDE, rowGuessTable, TEXTURE_WIDTH, textureRows, type ColourScale, type RasterMapGrid, type RowsMapGrid } from "@/lib/maps";
import { fieldFs, fieldUniformsGLSL, MISSING } from "./field-shader";
import { FrameCache } from "./frame-cache";

/**
 * Draws a field on its native grid, on the GPU, for every grid kind (see docs/maps.md): a
 * BitmapLayer covering the globe in lng/lat whose fragment shader looks the value up in an
 * r32float texture (row table + binary search for regular/Gaussian/HEALPix grids, a
 * nearest-point raster), then colours it from a 256×1 LUT. Unstructured grids are drawn as
 * triangle meshes by the MeshFieldLayer instead. `valuesB` switches to difference mode
 * (values − valuesB, same grid).
 */
export type FieldLayerProps = {
  mapGrid: RowsMapGrid | RasterMapGrid;
  /** Values in texture order (lib/maps `toTextureOrder`), one per grid point. */
  values: Float32Array;
  valuesB?: Float32Array | null;
  scale: ColourScale;
  /** Contour interval in stored units; 0 for none. */
  contour?: number;
  /**
   * The values the layer will probably be given next (prefetched neighbouring steps, texture
   * order, same grid): uploaded to textures of their own while the page is idle, so that a switch
   * to one of them only binds a texture. Called lazily; should be a stable function.
   */
  upcoming?: (() => Float32Array[]) | null;
} & Omit<BitmapLayerProps, "image" | "bounds">;

export type FieldUniforms = {
  /** Row lookup start: k of bin 0, bin width, bin count (0: binary search), unused. */
  rowGuess: [number, number, number, number];
  /** Flat map's per-screen-row cache (FIELD_ROW_CACHE): common y of entry 0's lower edge, entry height, entries, unused. */
  rowCache: [number, number, number, number];
  lonLatBounds: [number, number, number, number];
  raster: [number, number, number, number];
  rasterSize: [number, number];
  edgeSlack: [number, number];
  kind: number;
  rows: number;
  dlon: number;
  periodic: number;
  globalRows: number;
  ascending: number;
  diff: number;
  vmin: number;
  vmax: number;
  steps: number;
  nLevels: number;
  contour: number;
};

type FieldBindings = {
  rowGuessTex: Texture;
  rowCacheTex: Texture;
  valueTex: Texture;
  valueTexB: Texture;
  tableTex: Texture;
  lutTex: Texture;
  levelTex: Texture;
};

export const fieldModule = {
  name: "field",
  vs: fieldUniformsGLSL,
  fs: fieldUniformsGLSL,
  uniformTypes: {
    rowGuess: "vec4<f32>",
    rowCache: "vec4<f32>",
    lonLatBounds: "vec4<f32>",
    raster: "vec4<f32>",
    rasterSize: "vec2<f32>",
    edgeSlack: "vec2<f32>",
    kind: "f32",
    rows: "f32",
    dlon: "f32",
    periodic: "f32",
    globalRows: "f32",
    ascending: "f32",
    diff: "f32",
    vmin: "f32",
    vmax: "f32",
    steps: "f32",
    nLevels: "f32",
    contour: "f32",
  },
} as const satisfies ShaderModule<FieldUniforms & FieldBindings, FieldUniforms>;

const BOUNDS: [number, number, number, number] = [-180, -90, 180, 90];

/** Packs a 1-D array into a TEXTURE_WIDTH-wide float texture, missing values as MISSING. */
function packValues(values: Float32Array): { data: Float32Array; width: number; height: number } {
  const width = Math.min(TEXTURE_WIDTH, Math.max(1, values.length));
  const height = textureRows(values.length);
  const data = new Float32Array(width * height);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    data[i] = v === v ? v : MISSING;
  }
  return { data, width, height };
}

type ValueTextures = {
  valueTex?: Texture;
  valueTexB?: Texture;
  lutTex?: Texture;
  levelTex?: Texture;
};

/** The flat map's per-screen-row cache of one viewport (recomputed when latitude, zoom or size change). */
type RowCache = { key: string; tex: Texture; uniform: [number, number, number, number]; data?: Float32Array };

type State = ValueTextures & {
  tableTex?: Texture;
  rowGuessTex?: Texture;
  rowGuess?: [number, number, number, number];
  rowCache?: RowCache;
  /** The defines the current model was compiled with. */
  definesKey?: string;
  valueCache?: ValueTextureCache;
  /** What the idle upload reads (the state outlives the layer instance that scheduled it). */
  latest?: { values: Float32Array; upcoming?: (() => Float32Array[]) | null };
  keep?: ReadonlySet<Float32Array>;
  preupload?: { timer: ReturnType<typeof setTimeout> | null; tries: number; finalized: boolean };
  /** The shader inputs of the last frame drawn, for {@link prerender}. */
  lastShaderProps?: Record<string, Record<string, unknown>>;
  /** Frames of the prefetched fields drawn ahead for the current view (see FrameCache). */
  frames?: FrameCache;
  /** Counts colour-scale changes (part of the frame key), and the current scale's content. */
  lutVersion?: number;
  scaleKey?: string;
};

const NO_ROW_CACHE: [number, number, number, number] = [0, 1, 1, 0];

/** A north-up, unpitched Web Mercator view: every pixel of a screen row has the same latitude. */
function flatMap(viewport: Viewport): viewport is WebMercatorViewport {
  return viewport instanceof WebMercatorViewport && !viewport.pitch && !viewport.bearing;
}

/** rowGuessTable per grid (the shader variant depends on whether it has bins). */
const guessTables = new WeakMap<RowsMapGrid, ReturnType<typeof rowGuessTable>>();
function guessTableOf(mg: RowsMapGrid): ReturnType<typeof rowGuessTable> {
  let g = guessTables.get(mg);
  if (!g) guessTables.set(mg, (g = rowGuessTable(mg)));
  return g;
}

/**
 * On the flat (Mercator, north-up) map every pixel of a screen row has the same latitude, so the
 * rows bracketing it and their weights are found once per device-pixel row here, on the CPU
 * (lib/maps latitudeRowCache, the probe's own search), instead of once per fragment: the fragment
 * shader then reads two texels instead of searching the row table. That search dominated the
 * frame under software rendering (SwiftShader); a lead switch redraws every fragment.
 */
function updateRowCache(device: Device, cache: RowCache | undefined, mg: RowsMapGrid, viewport: Viewport): RowCache | undefined {
  if (!flatMap(viewport)) return cache; // the globe's shader variant does not read it
  const ratio = device.getDefaultCanvasContext?.().cssToDeviceRatio?.() ?? 1;
  const n = Math.max(1, Math.round(viewport.height * ratio));
  const key = `${mg.gridId}|${mg.size}|${viewport.height}|${n}|${viewport.latitude}|${viewport.zoom}`;
  if (cache?.key === key) return cache;
  // Entry i covers common y in [y0 + i·dy, y0 + (i + 1)·dy): one device pixel row, bottom up.
  const yBottom = viewport.projectFlat(viewport.unproject([0, viewport.height]))[1];
  const yTop = viewport.projectFlat(viewport.unproject([0, 0]))[1];
  const dy = (yTop - yBottom) / n;
  const lats = new Float64Array(n);
  for (let i = 0; i < n; i++) lats[i] = viewport.unprojectFlat([0, yBottom + (i + 0.5) * dy])[1];
  const data = latitudeRowCache(mg, lats, cache?.data);
  const texels = 2 * n;
  const width = Math.min(TEXTURE_WIDTH, texels);
  const height = textureRows(texels);
  const padded = data.length === width * height * 4 ? data : new Float32Array(width * height * 4);
  if (padded !== data) padded.set(data.subarray(0, n * ROW_CACHE_STRIDE));
  const tex = writeTexture(device, cache?.tex, "rgba32float", width, height, padded);
  return { key, tex, uniform: [yBottom, dy, n, 0], data: padded };
}

/** Creates (or reuses, when the size and format match) a nearest-sampled texture and writes data into it. */
export function writeTexture(
  device: Device,
  old: Texture | undefined,
  format: "r32float" | "rgba32float" | "rgba8unorm",
  width: number,
  height: number,
  data: ArrayBufferView,
): Texture {
  let t = old;
  if (!t || t.width !== width || t.height !== height || t.format !== format) {
    t?.destroy();
    t = device.createTexture({
      format,
      width,
      height,
      mipLevels: 1,
      sampler: { minFilter: "nearest", magFilter: "nearest", addressModeU: "clamp-to-edge", addressModeV: "clamp-to-edge" },
    });
  }
  t.writeData(data);
  return t;
}

/** Textures a FieldLayer keeps: the current field's and the prefetched neighbours'. */
const VALUE_TEXTURES = 5;

/**
 * The FieldLayer's value textures by values array, least recently used first. A switch to values
 * uploaded beforehand (see `upcoming`) reuses their texture; otherwise the least recently used
 * texture that is not to be kept is overwritten.
 */
class ValueTextureCache {
  private readonly entries = new Map<Float32Array, Texture>();
  /** `onRecycle(tex)`: the texture is about to hold other values (frames drawn from it are stale). */
  constructor(
    private readonly device: Device,
    private readonly onRecycle: (tex: Texture) => void,
  ) {}

  /** The texture of `values` if uploaded, without touching the order. */
  peek(values: Float32Array): Texture | undefined {
    return this.entries.get(values);
  }

  get(values: Float32Array, keep: ReadonlySet<Float32Array>): Texture {
    const hit = this.entries.get(values);
    if (hit) {
      this.entries.delete(values);
      this.entries.set(values, hit);
      return hit;
    }
    let recycled: Texture | undefined;
    if (this.entries.size >= VALUE_TEXTURES) {
      for (const [v, t] of this.entries) {
        if (keep.has(v)) continue;
        this.entries.delete(v);
        recycled = t;
        this.onRecycle(t);
        break;
      }
    }
    const p = packValues(values);
    const tex = writeTexture(this.device, recycled, "r32float", p.width, p.height, p.data);
    this.entries.set(values, tex);
    return tex;
  }

  destroy(): void {
    for (const t of this.entries.values()) t.destroy();
    this.entries.clear();
  }
}

/**
 * Compile-time switches of the colour code (shared with the MeshFieldLayer). Under SwiftShader
 * (software WebGL, what headless Chromium on this machine runs) code in the shader costs time even
 * where a uniform-controlled branch skips it, so each field gets a shader with only the code it
 * uses: the prefetched lead switch on the N320 map went from about 100–130 ms of GPU time per
 * frame to what docs/maps.md reports once the unused paths were compiled out.
 */
export function colourDefines(scale: ColourScale, contour: number | undefined): Record<string, boolean> {
  return { FIELD_LEVELS: Math.min(16, scale.levels.length) > 0, FIELD_CONTOUR: (contour ?? 0) > 0 };
}

/** The colour part of the field uniforms (shared with the MeshFieldLayer). */
export function colourUniforms(scale: ColourScale, contour: number | undefined, diff: boolean): Pick<FieldUniforms, "diff" | "vmin" | "vmax" | "steps" | "nLevels" | "contour"> {
  return { diff: diff ? 1 : 0, vmin: scale.min, vmax: scale.max, steps: scale.steps, nLevels: Math.min(16, scale.levels.length), contour: contour ?? 0 };
}

type ValueProps = { values: Float32Array; valuesB?: Float32Array | null; scale: ColourScale };

/** The value, second-value (difference mode), LUT and level textures that changed with the props (shared with the MeshFieldLayer). */
export function fieldTextures(device: Device, st: ValueTextures, props: ValueProps, oldProps: Partial<ValueProps>, first: boolean, withValues = true): ValueTextures {
  const next: ValueTextures = {};
  if (withValues && (first || props.values !== oldProps.values)) {
    const p = packValues(props.values);
    next.valueTex = writeTexture(device, st.valueTex, "r32float", p.width, p.height, p.data);
  }
  if ((first || props.valuesB !== oldProps.valuesB) && props.valuesB) {
    const p = packValues(props.valuesB);
    next.valueTexB = writeTexture(device, st.valueTexB, "r32float", p.width, p.height, p.data);
  }
  if (first || props.scale !== oldProps.scale) {
    next.lutTex = writeTexture(device, st.lutTex, "rgba8unorm", 256, 1, buildLut(props.scale));
    const levels = new Float32Array(16);
    levels.set(props.scale.levels.slice(0, 16));
    next.levelTex = writeTexture(device, st.levelTex, "r32float", 16, 1, levels);
  }
  return next;
}

const defaultProps: DefaultProps<FieldLayerProps> = {
  contour: 0,
  valuesB: null,
  upcoming: null,
};
// The whole globe, in lng/lat: BitmapLayer builds its (view-tessellated) mesh from these.
const bitmapDefaults = { bounds: { type: "array", value: BOUNDS, compare: true }, _imageCoordinateSystem: "lnglat" };

/** How long the view must rest before frames are drawn ahead (panning changes it every frame). */
const VIEW_REST_MS = 300;

/**
 * Uploads the layer's upcoming values and draws their frames ahead (see FrameCache), one field per
 * idle moment, retrying for a few seconds while the prefetches are still arriving and waiting
 * while the view moves. Runs on timers, never inside a frame.
 */
function schedulePreupload(st: State & { model?: Model }, device: Device, delay = 250): void {
  const p = st.preupload;
  if (!p || p.timer || p.finalized || !st.latest?.upcoming || p.tries >= 12) return;
  p.timer = setTimeout(() => {
    p.timer = null;
    if (p.finalized || !st.latest || !st.valueCache) return;
    if (st.frames && st.frames.steadyFor() < VIEW_REST_MS) return schedulePreupload(st, device);
    p.tries++;
    const { values, upcoming } = st.latest;
    const next = (upcoming?.() ?? []).filter((v) => v.length === values.length);
    st.keep = new Set(next);
    const cache = st.valueCache;
    const missing = next.find((v) => {
      const tex = cache.peek(v);
      return !tex || (st.frames && !st.frames.has(tex));
    });
    if (missing) {
      const keep = new Set([values, ...next]);
      const tex = cache.get(missing, keep);
      prerender(st, tex, new Set([...keep].map((v) => cache.peek(v)).filter((t): t is Texture => !!t)));
    }
    schedulePreupload(st, device);
  }, delay);
}

/**
 * Draws the last frame's shader inputs with `tex` as the value texture into the frame cache: the
 * switch to that field then only copies the frame. (This also makes the software GPU's first use
 * of the new texture happen here, not during the switch.)
 */
function prerender(st: State & { model?: Model }, tex: Texture, keep: ReadonlySet<Texture>): void {
  const model = st.model;
  const last = st.lastShaderProps;
  if (!model || !last || !st.frames || last.field.diff) return;
  st.frames.render(tex, keep, (pass) => {
    model.shaderInputs.setProps({ ...last, field: { ...last.field, valueTex: tex } });
    model.draw(pass);
  });
}

export class FieldLayer extends BitmapLayer<FieldLayerProps> {
  static layerName = "FieldLayer";
  static defaultProps = { ...BitmapLayer.defaultProps, ...bitmapDefaults, ...defaultProps } as typeof BitmapLayer.defaultProps;

  declare state: BitmapLayer["state"] & State;

  getShaders() {
    const s = super.getShaders();
    return { ...s, fs: fieldFs, modules: [...s.modules, fieldModule], defines: this.fieldDefines() };
  }

  /** The shader variant this field needs in the current view (see {@link colourDefines}). */
  fieldDefines(): Record<string, boolean> {
    const { mapGrid: mg, valuesB, scale, contour } = this.props;
    const rows = mg.kind === "rows";
    const flat = rows && flatMap(this.context.viewport);
    return {
      ...colourDefines(scale, contour),
      FIELD_DIFF: !!valuesB,
      FIELD_RASTER: !rows,
      FIELD_PERIODIC: rows && mg.periodic,
      FIELD_ROW_CACHE: flat,
      FIELD_ROW_GUESS: rows && !flat && guessTableOf(mg).bins.length > 0,
    };
  }

  shouldUpdateState(params: UpdateParameters<this>): boolean {
    // Switching between the flat map and the globe changes the variant without a prop change.
    return super.shouldUpdateState(params) || (!!params.changeFlags.viewportChanged && JSON.stringify(this.fieldDefines()) !== this.state.definesKey);
  }

  updateState(params: UpdateParameters<this>): void {
    const { props, oldProps } = params;
    const first = !oldProps.mapGrid;
    super.updateState(params);
    const definesKey = JSON.stringify(this.fieldDefines());
    if (this.state.definesKey !== undefined && definesKey !== this.state.definesKey) {
      this.state.model?.destroy();
      this.state.model = this._getModel();
      this.getAttributeManager()!.invalidateAll();
    }
    this.state.definesKey = definesKey;
    const device = this.context.device;
    const st = this.state;
    const next: State = fieldTextures(device, st, props, oldProps, first, false);
    // A new scale object with the same content (every switch builds one) keeps the frames drawn ahead.
    const scaleKey = JSON.stringify(props.scale);
    if (next.lutTex && scaleKey !== st.scaleKey) st.lutVersion = (st.lutVersion ?? 0) + 1;
    st.scaleKey = scaleKey;
    st.latest = { values: props.values, upcoming: props.upcoming };
    if (first || props.values !== oldProps.values) {
      st.valueCache ??= new ValueTextureCache(device, (tex) => st.frames?.forget(tex));
      next.valueTex = st.valueCache.get(props.values, new Set([props.values, ...(st.keep ?? [])]));
      st.preupload ??= { timer: null, tries: 0, finalized: false };
      st.preupload.tries = 0;
      // After the layer's first field, wait until the software GPU has presented it (first
      // frames take it 0.3–0.5 s) before adding uploads to its queue.
      schedulePreupload(st, device, first ? 1500 : 250);
    }
    if (first || props.mapGrid !== oldProps.mapGrid) {
      const mg = props.mapGrid;
      if (mg.kind === "rows") {
        const width = Math.min(TEXTURE_WIDTH, mg.rows);
        const height = textureRows(mg.rows);
        const data = new Float32Array(width * height * 4);
        data.set(mg.table);
        next.tableTex = writeTexture(device, st.tableTex, "rgba32float", width, height, data);
        const { k0, dk, bins } = guessTableOf(mg);
        next.rowGuess = [k0, dk, bins.length, 0];
        const gw = Math.max(1, Math.min(TEXTURE_WIDTH, bins.length));
        const gdata = new Float32Array(gw * textureRows(bins.length));
        gdata.set(bins);
        next.rowGuessTex = writeTexture(device, st.rowGuessTex, "r32float", gw, textureRows(bins.length), gdata);
      } else {
        next.tableTex = writeTexture(device, st.tableTex, "r32float", mg.nx, mg.ny, Float32Array.from(mg.index));
        next.rowGuessTex = writeTexture(device, st.rowGuessTex, "r32float", 1, 1, new Float32Array(1));
        next.rowGuess = [0, 1, 0, 0];
      }
    }
    if (Object.keys(next).length) this.setState(next);
  }

  finalizeState(context: Parameters<BitmapLayer["finalizeState"]>[0]): void {
    super.finalizeState(context);
    const st = this.state;
    if (st.preupload) {
      st.preupload.finalized = true;
      if (st.preupload.timer) clearTimeout(st.preupload.timer);
    }
    st.valueCache?.destroy(); // includes valueTex
    st.frames?.destroy();
    for (const t of [st.valueTexB, st.tableTex, st.rowGuessTex, st.rowCache?.tex, st.lutTex, st.levelTex]) t?.destroy();
  }

  draw(opts: Parameters<BitmapLayer["draw"]>[0]): void {
    const { model, coordinateConversion, bounds, valueTex, valueTexB, tableTex, rowGuessTex, rowGuess, lutTex, levelTex } = this.state as BitmapLayer["state"] & State & {
      coordinateConversion: number;
      bounds: number[];
    };
    if (opts.shaderModuleProps.picking.isActive) return;
    if (!model || !valueTex || !tableTex || !rowGuessTex || !rowGuess || !lutTex || !levelTex) return;
    const { mapGrid: mg, scale, contour } = this.props;
    const diff = !!this.props.valuesB && !!valueTexB;
    const raster = mg.kind === "raster";
    // Mutated in place, not setState: the cache follows the viewport, and a state change would
    // schedule another redraw.
    const rowCache = raster ? this.state.rowCache : updateRowCache(this.context.device, this.state.rowCache, mg, this.context.viewport);
    this.state.rowCache = rowCache;
    const uniforms: FieldUniforms = {
      rowGuess,
      rowCache: rowCache?.uniform ?? NO_ROW_CACHE,
      lonLatBounds: BOUNDS,
      raster: raster ? [mg.west, mg.south, mg.dlon, mg.dlat] : [0, 0, 1, 1],
      rasterSize: raster ? [mg.nx, mg.ny] : [1, 1],
      edgeSlack: raster ? [0, 0] : mg.edgeSlack,
      kind: raster ? 1 : 0,
      rows: raster ? 0 : mg.rows,
      dlon: raster ? 0 : mg.dlon,
      periodic: !raster && mg.periodic ? 1 : 0,
      globalRows: !raster && mg.global ? 1 : 0,
      ascending: !raster && mg.ascending ? 1 : 0,
      ...colourUniforms(scale, contour, diff),
    };
    const shaderProps = {
      bitmap: { bounds, coordinateConversion, desaturate: 0, tintColor: [1, 1, 1] as [number, number, number], transparentColor: [0, 0, 0, 0] as [number, number, number, number] },
      field: { ...uniforms, valueTex, valueTexB: diff ? valueTexB : valueTex, tableTex, rowGuessTex, rowCacheTex: rowCache?.tex ?? rowGuessTex, lutTex, levelTex },
    };
    // A frame drawn ahead for this field, view and colour scale is copied instead of drawn.
    const st = this.state;
    const vp = this.context.viewport;
    const device = this.context.device;
    const [bw, bh] = device.getDefaultCanvasContext().getDrawingBufferSize();
    const frameKey = [st.definesKey, st.lutVersion, mg.gridId, mg.size, vp.id, bw, bh, vp.width, vp.height, Array.from(vp.viewProjectionMatrix).join(","), this.props.opacity, JSON.stringify(uniforms)].join("|");
    st.frames ??= new FrameCache(device, VALUE_TEXTURES);
    if (st.frames.setKey(frameKey) && st.preupload) {
      // The view or the colours changed: the frames drawn ahead are gone; draw new ones once it rests.
      st.preupload.tries = 0;
      schedulePreupload(st, device, VIEW_REST_MS);
    }
    if (diff || !st.frames.drawFrame(this.context.renderPass, valueTex)) {
      model.shaderInputs.setProps(shaderProps);
      model.draw(this.context.renderPass);
    }
    st.lastShaderProps = shaderProps;
  }
}
