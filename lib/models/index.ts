/** Forecast models in TensorFlow.js (wasm backend): GNN encoder–processor–decoder and MLP baseline. See docs/models.md. */
export { tf, initTf, registerSegmentSumKernel, wasmDir, wasmThreads } from "./tf";
export { TfOps, tfActivation, LAYER_NORM_EPS, GELU_TANH_C, type Ops, type ParamInit, type ParamSource } from "./ops";
export { ParamStore, initialValues, mulberry32, type NamedArray } from "./params";
export { ModelSpecSchema, ModelIoSchema, ActivationSchema, inputChannels, type ModelSpec, type ModelSpecInput, type ModelIo, type ModelIoInput, type Activation } from "./spec";
export { ForecastModel, forward, NUM_STATIC_FEATURES, type ModelGeometry } from "./model";
export { Trainer, TrainerOptionsSchema, learningRate, variableLossWeights, type TrainerOptions, type TrainerOptionsInput, type LossWeights, type StepResult, type OptimizerState } from "./train";
export { packArrays, unpackArrays } from "./weights";
