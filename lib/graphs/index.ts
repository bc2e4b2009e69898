/** Encoder–processor–decoder graphs for ML weather models. See docs/graphs.md. */
export { refinedIcosahedron, icosahedronNodeCount, triangleEdges, type RefinedIcosahedron } from "./icosahedron";
export { gridNodes, icosahedralNodes, octahedralNodes, healpixNodes, type NodeSet } from "./nodes";
export {
  knnEdges,
  cutoffEdges,
  multiScaleEdges,
  ensureCoverage,
  finaliseEdges,
  maxNearestNeighbourDistance,
  EDGE_ATTRIBUTES,
  NUM_EDGE_ATTRIBUTES,
  type EdgeSet,
  type EdgeList,
} from "./edges";
export {
  buildGraph,
  inspectGraph,
  GraphSpecSchema,
  EdgeBuilderSchema,
  GraphSpecError,
  type GraphSpec,
  type GraphSpecInput,
  type EdgeBuilder,
  type EncProcDecGraph,
  type GraphSummary,
  type DegreeStats,
} from "./graph";
export { serializeGraph, deserializeGraph, GraphHeaderSchema, GraphFormatError, GRAPH_MAGIC, GRAPH_FORMAT_VERSION, type GraphHeader } from "./serialize";
export {
  graphView,
  encodeGraphView,
  decodeGraphView,
  graphViewJson,
  wrapLongitude,
  GraphViewHeaderSchema,
  GraphEdgeChoiceSchema,
  GraphViewError,
  GRAPH_VIEW_MAGIC,
  GRAPH_VIEW_CONTENT_TYPE,
  GRAPH_EDGE_SETS,
  DEFAULT_GRAPH_EDGE_LIMIT,
  MAX_GRAPH_EDGE_LIMIT,
  type GraphView,
  type GraphViewHeader,
  type GraphEdgeChoice,
  type GraphViewOptions,
} from "./view";
