import { Layer, project32, type DefaultProps, type LayerProps, type UpdateParameters } from "@deck.gl/core";
import type { Texture } from "@luma.gl/core";
import { Model } from "@luma.gl/engine";
import { MESH_MAX_LAT, type ColourScale, type MeshMapGrid } from "@/lib/maps";
import { colourDefines, colourUniforms, fieldModule, fieldTextures, type FieldUniforms } from "./field-layer";
import { colourGLSL, contourColourGLSL } from "./field-shader";

/**
 * Draws a field on an unstructured grid's triangle mesh (lib/maps/mesh.ts): static vertex
 * positions and triangles, one value per vertex fetched from the same value texture as the
 * FieldLayer, linear interpolation of the value (not of colours) across each triangle, then the
 * colour from the LUT in the fragment shader. Missing vertices drop out and the rest are
 * renormalised, as `sampleMesh` does on the CPU for the probe.
 */
export type MeshFieldLayerProps = {
  mapGrid: MeshMapGrid;
  /** Values in the grid's native order, one per grid point. */
  values: Float32Array;
  valuesB?: Float32Array | null;
  scale: ColourScale;
  contour?: number;
  /** Flat (Web Mercator) map: clamp vertices to ±MESH_MAX_LAT, which the projection can draw. */
  clampPoles?: boolean;
} & LayerProps;

const vs = /* glsl */ `\
#version 300 es
#define SHADER_NAME mesh-field-layer-vertex-shader
precision highp float;
precision highp int;

in vec3 positions;
in vec3 positions64Low;
in float pointIndex;

uniform sampler2D valueTex;
uniform sampler2D valueTexB;

out float vSum;
out float vWeight;
out float vLon;

const int TEX_W = 2048;

ivec2 texelOf(int i) {
  return ivec2(i - (i / TEX_W) * TEX_W, i / TEX_W);
}

void main(void) {
  int i = int(pointIndex + 0.5);
  float v = texelFetch(valueTex, texelOf(i), 0).r;
  if (field.diff > 0.5) {
    float b = texelFetch(valueTexB, texelOf(i), 0).r;
    v = (v < -1.0e38 || b < -1.0e38) ? -3.0e38 : v - b;
  }
  bool miss = v < -1.0e38;
  // Interpolated across the triangle: Σ w·v and Σ w over the vertices that have a value.
  vWeight = miss ? 0.0 : 1.0;
  vSum = miss ? 0.0 : v;
  vLon = positions.x;

  geometry.worldPosition = positions;
  geometry.pickingColor = vec3(0.0);
  gl_Position = project_position_to_clipspace(positions, positions64Low, vec3(0.0), geometry.position);
  DECKGL_FILTER_GL_POSITION(gl_Position, geometry);
  vec4 color = vec4(0.0);
  DECKGL_FILTER_COLOR(color, geometry);
}
`;

const fs = /* glsl */ `\
#version 300 es
#define SHADER_NAME mesh-field-layer-fragment-shader
precision highp float;
precision highp int;

uniform sampler2D lutTex;
uniform sampler2D levelTex;

in float vSum;
in float vWeight;
in float vLon;

out vec4 fragColor;

${colourGLSL}
void main(void) {
  // The flat map shows one world: seam triangles' copies beyond ±180° are cut there.
  if (vLon < field.lonLatBounds.x || vLon > field.lonLatBounds.z) discard;
  bool isMissing = vWeight <= 1.0e-6;
  float v = isMissing ? 0.0 : vSum / vWeight;

${contourColourGLSL}
  fragColor = vec4(c.rgb, c.a * layer.opacity);
  DECKGL_FILTER_COLOR(fragColor, geometry);
}
`;

type State = {
  model?: Model;
  /** The colour defines the model was compiled with. */
  definesKey?: string;
  positions?: Float64Array;
  pointIndex?: Float32Array;
  valueTex?: Texture;
  valueTexB?: Texture;
  lutTex?: Texture;
  levelTex?: Texture;
};

const defaultProps: DefaultProps<MeshFieldLayerProps> = {
  contour: 0,
  valuesB: null,
  clampPoles: true,
};

export class MeshFieldLayer extends Layer<MeshFieldLayerProps> {
  static layerName = "MeshFieldLayer";
  static defaultProps = defaultProps;

  declare state: State;

  getShaders() {
    return { ...super.getShaders({ vs, fs, modules: [project32, fieldModule] }), defines: colourDefines(this.props.scale, this.props.contour) };
  }

  initializeState(): void {
    const noAlloc = true;
    this.getAttributeManager()!.add({
      indices: { size: 1, isIndexed: true, type: "uint32", update: (a) => (a.value = this.props.mapGrid.triangles), noAlloc },
      positions: { size: 3, type: "float64", fp64: this.use64bitPositions(), update: (a) => (a.value = this.state.positions!), noAlloc },
      pointIndex: { size: 1, update: (a) => (a.value = this.state.pointIndex!), noAlloc },
    });
  }

  updateState(params: UpdateParameters<this>): void {
    super.updateState(params);
    const { props, oldProps, changeFlags } = params;
    const am = this.getAttributeManager()!;
    let newModel = false;
    const definesKey = JSON.stringify(colourDefines(props.scale, props.contour));
    if (!this.state.model || changeFlags.extensionsChanged || definesKey !== this.state.definesKey) {
      this.state.model?.destroy();
      this.setState({ model: this.getModel(), definesKey });
      am.invalidateAll();
      newModel = true;
    }
    if (newModel || props.mapGrid !== oldProps.mapGrid || props.clampPoles !== oldProps.clampPoles) {
      const m = props.mapGrid;
      const n = m.lon.length;
      const positions = new Float64Array(3 * n);
      const pointIndex = new Float32Array(n);
      const clamp = props.clampPoles ? MESH_MAX_LAT : 90;
      for (let v = 0; v < n; v++) {
        positions[3 * v] = m.lon[v];
        positions[3 * v + 1] = Math.max(-clamp, Math.min(clamp, m.lat[v]));
        pointIndex[v] = m.point[v];
      }
      this.setState({ positions, pointIndex });
      this.state.model!.setVertexCount(m.triangles.length);
      am.invalidateAll();
    }
    const textures = fieldTextures(this.context.device, this.state, props, oldProps, !oldProps.mapGrid);
    if (Object.keys(textures).length) this.setState(textures);
  }

  getModel(): Model {
    return new Model(this.context.device, {
      ...this.getShaders(),
      id: this.props.id,
      bufferLayout: this.getAttributeManager()!.getBufferLayouts(),
      topology: "triangle-list",
      isInstanced: false,
    });
  }

  finalizeState(context: Parameters<Layer["finalizeState"]>[0]): void {
    super.finalizeState(context);
    for (const t of [this.state.valueTex, this.state.valueTexB, this.state.lutTex, this.state.levelTex]) t?.destroy();
  }

  draw(opts: Parameters<Layer["draw"]>[0]): void {
    const { model, valueTex, valueTexB, lutTex, levelTex } = this.state;
    if (opts.shaderModuleProps.picking.isActive) return;
    if (!model || !valueTex || !lutTex || !levelTex) return;
    const { scale, contour } = this.props;
    const diff = !!this.props.valuesB && !!valueTexB;
    const uniforms: Partial<FieldUniforms> = {
      lonLatBounds: this.props.clampPoles ? [-180, -90, 180, 90] : [-1e6, -90, 1e6, 90],
      ...colourUniforms(scale, contour, diff),
    };
    model.shaderInputs.setProps({ field: { ...uniforms, valueTex, valueTexB: diff ? valueTexB : valueTex, lutTex, levelTex } });
    model.draw(this.context.renderPass);
  }
}
