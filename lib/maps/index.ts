/** Maps: field encodings, colour maps, display units and the shader's value lookup. See docs/maps.md. */
export * from "./encoding";
export * from "./envelope";
export * from "./colormaps";
export * from "./variables";
export * from "./map-grid";
export * from "./mesh";
export * from "./api";
export * from "./members";
export * from "./regions";
export * from "./map-url";
export * from "./graph-lines";
