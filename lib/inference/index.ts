/** ONNX export, checkpoints and inference with onnxruntime-node. See docs/models.md. */
export { exportOnnx, OnnxOps, ONNX_OPSET, ONNX_IR_VERSION, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, type OnnxExportOptions } from "./onnx-export";
export {
  CheckpointMetadataSchema,
  CheckpointError,
  packCheckpoint,
  unpackCheckpoint,
  saveCheckpoint,
  loadCheckpoint,
  exportCheckpoint,
  modelFromCheckpoint,
  WEIGHTS_FILE,
  OPTIMIZER_FILE,
  parseMetadata,
  readAnemoiMetadata,
  timestepSeconds,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  METADATA_FILE,
  MODEL_FILE,
  GRAPH_FILE,
  type CheckpointMetadata,
  type CheckpointMetadataInput,
  type CheckpointParts,
  type Checkpoint,
  type ExportCheckpointOptions,
} from "./checkpoint";
export { ForecastRunner, checkModelIo, type RunnerOptions, type RolloutOptions } from "./runner";
