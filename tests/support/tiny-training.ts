/**
 * The tiny training setup shared by the training, reproduce and run-page tests: a synthetic
 * z_500/t_850 dataset with cos_latitude on a 15° grid, 6-hourly from 2020-01-01, and the
 * overrides of the smallest GNN (seconds per step).
 */

export const TINY_GNN_OVERRIDES = [
  "model.num_channels=8",
  "model.processor.num_layers=1",
  "model.trainable_size.data=0",
  "model.trainable_size.hidden=0",
  "graph.hidden.resolution=1",
];

/** The data overrides for a store of {@link tinyRecipe}. */
export const tinyDataOverrides = (store: string) => [
  `data.dataset=${store}`,
  "data.variables.prognostic=[z_500,t_850]",
  "data.variables.forcing=[cos_latitude]",
  "data.variables.diagnostic=[]",
];

/** Recipe text of the tiny dataset, up to `lastDay` (2020-01-<lastDay>T18:00). */
export function tinyRecipe(o: { name: string; seed: number; lastDay: number }): string {
  return `
name: ${o.name}
dates: {start: 2020-01-01T00:00:00, end: 2020-01-${String(o.lastDay).padStart(2, "0")}T18:00:00, frequency: 6h}
input:
  join:
    - synthetic: {seed: ${o.seed}, variables: [z_500, t_850], degree: 6}
    - forcings: [cos_latitude]
output: {grid: "15"}
`;
}
