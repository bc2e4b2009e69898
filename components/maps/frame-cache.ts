import type { Device, Framebuffer, RenderPass, Texture } from "@luma.gl/core";
import { Model } from "@luma.gl/engine";

/** How many frames were drawn ahead and copied onto the canvas (read by tests and benchmarks). */
export const frameCacheStats = { rendered: 0, copied: 0 };

/**
 * Frames of a FieldLayer drawn ahead of time, one per value texture, for one view.
 *
 * While the page is idle, the layer draws each prefetched field once, exactly as the next frame
 * would draw it, into an offscreen target the size of the canvas; a switch to that field then
 * copies the target onto the canvas (one texel read per pixel) instead of running the field's
 * lookup shader for every pixel. Under software WebGL (SwiftShader) the lookup pass was the
 * largest part of a lead-time switch. The frames are only valid for the view and colour scale
 * they were drawn with: any change of the frame key (pan, zoom, resize, palette, range …)
 * drops them, and the layer draws directly until new ones are made.
 *
 * Blending: the target starts transparent and the field is blended into it with deck.gl's blend
 * function, which the layer's model draws with (colour src-alpha / one-minus-src-alpha, alpha
 * one / one-minus-src-alpha; the layer's own parameters, e.g. back-face culling on the globe, stay
 * on its model), so the target holds premultiplied colour; copying it with one /
 * one-minus-src-alpha gives what drawing the field directly would (up to 8-bit rounding of
 * translucent pixels; opaque pixels are identical, which the browser tests check).
 */
export class FrameCache {
  private key = "";
  private since = 0;
  private readonly frames = new Map<Texture, Framebuffer>();
  private readonly spare: Framebuffer[] = [];
  private copy?: Model;
  private warmTarget?: Framebuffer;

  constructor(
    private readonly device: Device,
    private readonly capacity: number,
  ) {}

  /** Sets the key of the frame being drawn; frames of another key are dropped. True when it changed. */
  setKey(key: string): boolean {
    if (key === this.key) return false;
    this.key = key;
    this.since = performance.now();
    for (const fbo of this.frames.values()) this.spare.push(fbo);
    this.frames.clear();
    return true;
  }

  /** How long the key has stayed the same (ms): frames are only worth drawing once the view rests. */
  steadyFor(): number {
    return performance.now() - this.since;
  }

  /** Drops the frame of `tex` (its texture is being reused for other values). */
  forget(tex: Texture): void {
    const fbo = this.frames.get(tex);
    if (!fbo) return;
    this.frames.delete(tex);
    this.spare.push(fbo);
  }

  has(tex: Texture): boolean {
    return this.frames.has(tex);
  }

  /**
   * Draws the frame of `tex` with `draw` into a target of the canvas's size. Textures beyond the
   * capacity evict the oldest frame that is not in `keep`.
   */
  render(tex: Texture, keep: ReadonlySet<Texture>, draw: (pass: RenderPass) => void): void {
    const [width, height] = this.device.getDefaultCanvasContext().getDrawingBufferSize();
    let fbo = this.frames.get(tex);
    if (!fbo && this.frames.size >= this.capacity) {
      for (const [t, f] of this.frames) {
        if (keep.has(t)) continue;
        this.frames.delete(t);
        fbo = f;
        break;
      }
      if (!fbo) return;
    }
    fbo ??= this.spare.pop() ?? this.device.createFramebuffer({ width, height, colorAttachments: ["rgba8unorm"] });
    if (fbo.width !== width || fbo.height !== height) fbo.resize({ width, height });
    const pass = this.device.beginRenderPass({
      framebuffer: fbo,
      clearColor: [0, 0, 0, 0],
      parameters: { viewport: [0, 0, width, height] },
    });
    draw(pass);
    pass.end();
    this.frames.set(tex, fbo);
    frameCacheStats.rendered++;
    this.warmCopy(fbo);
  }

  /**
   * Copies a new frame once into a 1×1 target: compiles the copy's shaders on the first frame, and
   * lets the software GPU's first read of each frame's texture happen here rather than in the
   * switch (its own share of the switch time was within the benchmark's noise).
   */
  private warmCopy(frame: Framebuffer): void {
    this.warmTarget ??= this.device.createFramebuffer({ width: 1, height: 1, colorAttachments: ["rgba8unorm"] });
    const pass = this.device.beginRenderPass({ framebuffer: this.warmTarget, clearColor: [0, 0, 0, 0] });
    this.drawFrameOf(pass, frame);
    pass.end();
  }

  /** Copies the frame of `tex` onto `pass`; false when there is none for the current key. */
  drawFrame(pass: RenderPass, tex: Texture): boolean {
    const fbo = this.frames.get(tex);
    if (!fbo) return false;
    this.drawFrameOf(pass, fbo);
    frameCacheStats.copied++;
    return true;
  }

  private drawFrameOf(pass: RenderPass, fbo: Framebuffer): void {
    this.copy ??= new Model(this.device, {
      id: "field-frame-copy",
      vs: COPY_VS,
      fs: COPY_FS,
      topology: "triangle-list",
      vertexCount: 3,
      parameters: { depthCompare: "always", depthWriteEnabled: false, cullMode: "none", ...COPY_BLEND },
    });
    this.copy.setBindings({ frame: fbo.colorAttachments[0].texture });
    this.copy.draw(pass);
  }

  destroy(): void {
    for (const fbo of [...this.frames.values(), ...this.spare]) fbo.destroy();
    this.frames.clear();
    this.spare.length = 0;
    this.copy?.destroy();
    this.warmTarget?.destroy();
  }
}

/** Premultiplied "over" for the copy. */
const COPY_BLEND = {
  blend: true,
  blendColorOperation: "add",
  blendColorSrcFactor: "one",
  blendColorDstFactor: "one-minus-src-alpha",
  blendAlphaOperation: "add",
  blendAlphaSrcFactor: "one",
  blendAlphaDstFactor: "one-minus-src-alpha",
} as const;

// One triangle covering the viewport, from gl_VertexID (no vertex buffers).
const COPY_VS = /* glsl */ `#version 300 es
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
`;

// The target has the canvas's size and the same viewport, so fragment (x, y) reads texel (x, y).
const COPY_FS = /* glsl */ `#version 300 es
precision highp float;
uniform sampler2D frame;
out vec4 fragColor;
void main() {
  fragColor = texelFetch(frame, ivec2(gl_FragCoord.xy), 0);
}
`;
