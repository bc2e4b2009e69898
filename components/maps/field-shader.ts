/**
 * Fragment shader of the FieldLayer (GLSL ES 3.00). It replaces the BitmapLayer's texture lookup
 * with value = lookup(lat, lon) on the field's native grid, then colour = LUT(value). The lookup
 * is the algorithm of lib/maps/map-grid.ts `sampleMapGrid`, which the hover probe runs on the CPU.
 * Missing values are uploaded as MISSING (below −1e38) rather than NaN, so that no NaN semantics
 * of the GPU are relied upon.
 */

export const MISSING = -3.0e38;

export const fieldUniformsGLSL = /* glsl */ `\
layout(std140) uniform fieldUniforms {
  vec4 rowGuess;
  vec4 rowCache;
  vec4 lonLatBounds;
  vec4 raster;
  vec2 rasterSize;
  vec2 edgeSlack;
  float kind;
  float rows;
  float dlon;
  float periodic;
  float globalRows;
  float ascending;
  float diff;
  float vmin;
  float vmax;
  float steps;
  float nLevels;
  float contour;
} field;
`;

/** Colour of a value from the LUT (continuous, stepped or by levels); shared with the mesh layer. */
export const colourGLSL = /* glsl */ `\
vec4 colourOf(float v) {
  float t;
#ifdef FIELD_LEVELS
  float k = 0.0;
  for (int i = 0; i < 16; i++) {
    if (float(i) >= field.nLevels) break;
    if (v >= texelFetch(levelTex, ivec2(i, 0), 0).r) k += 1.0;
  }
  t = (k + 0.5) / (field.nLevels + 1.0);
#else
  float span = field.vmax - field.vmin;
  t = span > 0.0 ? (v - field.vmin) / span : 0.5;
  t = clamp(t, 0.0, 1.0);
  if (field.steps > 0.5) t = (min(floor(t * field.steps), field.steps - 1.0) + 0.5) / field.steps;
#endif
  int idx = clamp(int(floor(t * 256.0)), 0, 255);
  return texelFetch(lutTex, ivec2(idx, 0), 0);
}

`;

/** c = colour of v (or transparent when isMissing), darkened along contour lines; shared with the mesh layer. */
export const contourColourGLSL = /* glsl */ `\
  // Contour lines from screen-space derivatives (computed before any discard).
  float line = 0.0;
#ifdef FIELD_CONTOUR
  {
    float q = (isMissing ? 0.0 : v) / field.contour;
    float w = fwidth(q);
    float d = abs(fract(q - 0.5) - 0.5) / max(w, 1e-6);
    line = isMissing || w > 0.5 ? 0.0 : 1.0 - smoothstep(0.5, 1.5, d);
  }
#endif

  vec4 c = isMissing ? vec4(0.0) : colourOf(v);
  c.rgb = mix(c.rgb, vec3(0.08, 0.08, 0.1), 0.85 * line);
  c.a = max(c.a, 0.85 * line);
  if (c.a <= 0.0) discard;
`;

export const fieldFs = /* glsl */ `\
#version 300 es
#define SHADER_NAME field-layer-fragment-shader

precision highp float;
precision highp int;

uniform sampler2D valueTex;
uniform sampler2D valueTexB;
uniform sampler2D tableTex;
uniform sampler2D rowGuessTex;
uniform sampler2D rowCacheTex;
uniform sampler2D lutTex;
uniform sampler2D levelTex;

in vec2 vTexCoord;
in vec2 vTexPos;

out vec4 fragColor;

const float PI = 3.1415926536;
const float WORLD_SCALE = 512.0 / PI / 2.0;
const int TEX_W = 2048;

vec2 mercatorToLngLat(vec2 xy) {
  xy /= WORLD_SCALE;
  return degrees(vec2(xy.x - PI, atan(exp(xy.y - PI)) * 2.0 - PI * 0.5));
}

ivec2 texelOf(int i) {
  return ivec2(i - (i / TEX_W) * TEX_W, i / TEX_W);
}

bool missing(float v) {
  return v < -1.0e38;
}

float fetchValue(int i) {
  float a = texelFetch(valueTex, texelOf(i), 0).r;
#ifdef FIELD_DIFF
  float b = texelFetch(valueTexB, texelOf(i), 0).r;
  if (missing(a) || missing(b)) return -3.0e38;
  return a - b;
#else
  return a;
#endif
}

// Adds row r's value at lon (linear in longitude), weighted by w. Returns false outside the row.
bool addRow(vec4 row, float lon, float w, inout float sum, inout float wsum) {
  int first = int(row.y + 0.5);
  int count = int(row.z + 0.5);
  float fcount = float(count);
  int j0;
  int j1;
  float fx;
#ifdef FIELD_PERIODIC
  float dl = 360.0 / fcount;
  float x = mod(lon - row.w, 360.0) / dl;
  j0 = min(int(floor(x)), count - 1);
  fx = min(1.0, x - float(j0));
  j1 = j0 + 1 >= count ? 0 : j0 + 1;
#else
  float dl = field.dlon;
  float x = mod(lon - row.w, 360.0) / dl;
  if (x > fcount - 1.0) {
    float period = 360.0 / dl;
    if (period - x <= 0.5) {
      j0 = 0; j1 = 0; fx = 0.0;
    } else if (x <= fcount - 0.5) {
      j0 = count - 1; j1 = count - 1; fx = 0.0;
    } else {
      return false;
    }
  } else {
    j0 = int(floor(x));
    j1 = min(j0 + 1, count - 1);
    fx = x - float(j0);
  }
#endif
  float a = fetchValue(first + j0);
  float b = fetchValue(first + j1);
  float wa = w * (1.0 - fx);
  float wb = w * fx;
  if (!missing(a) && wa > 0.0) { sum += wa * a; wsum += wa; }
  if (!missing(b) && wb > 0.0) { sum += wb * b; wsum += wb; }
  return true;
}

#ifndef FIELD_ROW_CACHE
#ifndef FIELD_RASTER
vec4 rowOf(int r) {
  return texelFetch(tableTex, texelOf(r), 0);
}

float lookupRows(float lat, float lon) {
  float s = field.ascending > 0.5 ? 1.0 : -1.0;
  float k = s * lat;
  int n = int(field.rows + 0.5);
  int lo = -1;
  // rowA = row lo, rowB = row lo + 1, each read once (texture reads dominate the fragment cost).
  vec4 rowA = vec4(0.0);
  vec4 rowB = vec4(0.0);
#ifdef FIELD_ROW_GUESS
  {
    // Start at the row of k's bin (lib/maps rowGuessTable) and step until lo brackets k: the same
    // row as the binary search below, in one or two reads instead of up to 17.
    float b = clamp(floor((k - field.rowGuess.x) / field.rowGuess.y), 0.0, field.rowGuess.z - 1.0);
    lo = int(floor(texelFetch(rowGuessTex, texelOf(int(b)), 0).r + 0.5));
    lo = max(-1, min(lo, n - 1));
    if (lo >= 0) rowA = rowOf(lo);
    for (int it = 0; it < 64; it++) {
      if (lo < 0 || s * rowA.x <= k) break;
      rowB = rowA;
      lo--;
      if (lo >= 0) rowA = rowOf(lo);
    }
    if (lo + 1 < n) rowB = rowOf(lo + 1);
    for (int it = 0; it < 64; it++) {
      if (lo + 1 >= n || s * rowB.x > k) break;
      lo++;
      rowA = rowB;
      if (lo + 1 < n) rowB = rowOf(lo + 1);
    }
  }
#else
  {
    int hi = n;
    for (int it = 0; it < 17; it++) {
      if (hi - lo <= 1) break;
      int mid = (lo + hi) / 2;
      if (s * rowOf(mid).x <= k) lo = mid; else hi = mid;
    }
    if (lo >= 0) rowA = rowOf(lo);
    if (lo + 1 < n) rowB = rowOf(lo + 1);
  }
#endif
  float sum = 0.0;
  float wsum = 0.0;
  bool ok;
  if (lo < 0 || lo >= n - 1) {
    vec4 edge = lo < 0 ? rowB : rowA;
    float beyond = abs(lat - edge.x);
    if (field.globalRows < 0.5 && beyond > (lo < 0 ? field.edgeSlack.x : field.edgeSlack.y)) return -3.0e38;
    ok = addRow(edge, lon, 1.0, sum, wsum);
  } else {
    float la = rowA.x;
    float lb = rowB.x;
    float fy = (s * lat - s * la) / (s * lb - s * la);
    ok = addRow(rowA, lon, 1.0 - fy, sum, wsum);
    ok = addRow(rowB, lon, fy, sum, wsum) && ok;
  }
  if (!ok || wsum <= 0.0) return -3.0e38;
  return sum / wsum;
}
#endif
#endif

#ifdef FIELD_RASTER
float lookupRaster(float lat, float lon) {
  int ix = int(floor(mod(lon - field.raster.x, 360.0) / field.raster.z));
  int iy = int(floor((lat - field.raster.y) / field.raster.w));
  if (ix < 0 || iy < 0 || ix >= int(field.rasterSize.x + 0.5) || iy >= int(field.rasterSize.y + 0.5)) return -3.0e38;
  float p = texelFetch(tableTex, ivec2(ix, iy), 0).r;
  if (p < -0.5) return -3.0e38;
  return fetchValue(int(p + 0.5));
}
#endif

#ifdef FIELD_ROW_CACHE
// The flat map's entry for this fragment's screen row (lib/maps latitudeRowCache): both rows and
// their weights, found on the CPU once per screen row instead of once per fragment. rowCache:
// common-space y of the first entry's lower edge, entry height, entry count.
float lookupRowCache(float lon) {
  int n = int(field.rowCache.z + 0.5);
  int i = clamp(int(floor((vTexPos.y - field.rowCache.x) / field.rowCache.y)), 0, n - 1);
  vec4 a = texelFetch(rowCacheTex, texelOf(2 * i), 0);
  if (a.x < 0.0) return -3.0e38;
  vec4 b = texelFetch(rowCacheTex, texelOf(2 * i + 1), 0);
  float sum = 0.0;
  float wsum = 0.0;
  bool ok = addRow(a, lon, a.x, sum, wsum);
  if (b.z > 0.5) ok = addRow(b, lon, b.x, sum, wsum) && ok;
  if (!ok || wsum <= 0.0) return -3.0e38;
  return sum / wsum;
}
#endif

${colourGLSL}
void main(void) {
#ifdef FIELD_ROW_CACHE
  float v = lookupRowCache(degrees(vTexPos.x / WORLD_SCALE - PI));
#else
  vec2 lnglat;
  if (bitmap.coordinateConversion < -0.5) {
    lnglat = mercatorToLngLat(vTexPos);
  } else {
    lnglat = vec2(
      mix(field.lonLatBounds.x, field.lonLatBounds.z, vTexCoord.x),
      mix(field.lonLatBounds.w, field.lonLatBounds.y, vTexCoord.y)
    );
  }
  float lat = clamp(lnglat.y, -90.0, 90.0);
  float lon = lnglat.x;
#ifdef FIELD_RASTER
  float v = lookupRaster(lat, lon);
#else
  float v = lookupRows(lat, lon);
#endif
#endif
  bool isMissing = missing(v);

${contourColourGLSL}
  fragColor = vec4(c.rgb, c.a * layer.opacity);
  geometry.uv = vTexCoord;
  DECKGL_FILTER_COLOR(fragColor, geometry);
}
`;
