import { Layer, project32, type DefaultProps, type LayerProps, type UpdateParameters } from "@deck.gl/core";
import { Model } from "@luma.gl/engine";
import type { ShaderModule } from "@luma.gl/shadertools";

/**
 * One-pixel lines (coastlines, graticule) as a plain `line-list`: two vertices per segment, a
 * vertex shader that only projects and a fragment shader that only colours. deck.gl's LineLayer
 * and PathLayer draw wide lines as instanced quads with joins; under software WebGL (SwiftShader)
 * compiling their shaders was a large share of the map's first frame, and a coastline needs
 * neither width nor joins. Written here because deck.gl has no such minimal layer.
 */
export type LinesLayerProps = {
  /** Segment end points, x y z per vertex (lng, lat, metres), two vertices per segment. */
  linePositions: Float32Array;
  /** RGBA, 0–255. */
  color: [number, number, number, number];
} & LayerProps;

type LinesUniforms = { color: [number, number, number, number] };

const linesModule = {
  name: "lines",
  vs: `layout(std140) uniform linesUniforms { vec4 color; } lines;\n`,
  fs: `layout(std140) uniform linesUniforms { vec4 color; } lines;\n`,
  uniformTypes: { color: "vec4<f32>" },
} as const satisfies ShaderModule<LinesUniforms, LinesUniforms>;

const vs = /* glsl */ `\
#version 300 es
#define SHADER_NAME lines-layer-vertex-shader
in vec3 positions;
in vec3 positions64Low;
void main(void) {
  geometry.worldPosition = positions;
  gl_Position = project_position_to_clipspace(positions, positions64Low, vec3(0.0), geometry.position);
  DECKGL_FILTER_GL_POSITION(gl_Position, geometry);
}
`;

const fs = /* glsl */ `\
#version 300 es
#define SHADER_NAME lines-layer-fragment-shader
precision highp float;
out vec4 fragColor;
void main(void) {
  fragColor = vec4(lines.color.rgb, lines.color.a * layer.opacity);
  DECKGL_FILTER_COLOR(fragColor, geometry);
}
`;

const defaultProps: DefaultProps<LinesLayerProps> = {
  color: { type: "color", value: [0, 0, 0, 255] },
};

export class LinesLayer extends Layer<LinesLayerProps> {
  static layerName = "LinesLayer";
  static defaultProps = defaultProps;

  declare state: { model?: Model };

  getShaders() {
    return super.getShaders({ vs, fs, modules: [project32, linesModule] });
  }

  initializeState(): void {
    this.getAttributeManager()!.add({
      positions: { size: 3, type: "float64", fp64: this.use64bitPositions(), update: (a) => (a.value = this.props.linePositions), noAlloc: true },
    });
  }

  updateState(params: UpdateParameters<this>): void {
    super.updateState(params);
    const { props, oldProps, changeFlags } = params;
    const am = this.getAttributeManager()!;
    let newModel = false;
    if (!this.state.model || changeFlags.extensionsChanged) {
      this.state.model?.destroy();
      this.setState({
        model: new Model(this.context.device, {
          ...this.getShaders(),
          id: this.props.id,
          bufferLayout: am.getBufferLayouts(),
          topology: "line-list",
          isInstanced: false,
        }),
      });
      am.invalidateAll();
      newModel = true;
    }
    if (newModel || props.linePositions !== oldProps.linePositions) {
      this.state.model!.setVertexCount(props.linePositions.length / 3);
      am.invalidateAll();
    }
  }

  draw(): void {
    const { model } = this.state;
    if (!model) return;
    const c = this.props.color;
    model.shaderInputs.setProps({ lines: { color: [c[0] / 255, c[1] / 255, c[2] / 255, (c[3] ?? 255) / 255] } });
    model.draw(this.context.renderPass);
  }
}
