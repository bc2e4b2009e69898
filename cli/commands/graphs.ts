import fs from "node:fs";
import type { Command } from "commander";
import { deserializeGraph, GRAPH_MAGIC, inspectGraph, type EncProcDecGraph, type GraphSummary } from "@/lib/graphs";
import { unpackCheckpoint } from "@/lib/inference";
import { CliError } from "../errors";
import { columns } from "../format";

/** The graph of a checkpoint file (its graph.bin) or of a bare graph file (lib/graphs binary form). */
export function readGraphFile(file: string): EncProcDecGraph {
  if (!fs.existsSync(file)) throw new CliError(`no such file: ${file} (give a checkpoint .ckpt or a graph file)`);
  const bytes = new Uint8Array(fs.readFileSync(file));
  const head = new TextDecoder().decode(bytes.subarray(0, GRAPH_MAGIC.length));
  try {
    if (head === GRAPH_MAGIC) return deserializeGraph(bytes);
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
      const ckpt = unpackCheckpoint(bytes);
      if (!ckpt.graph) throw new CliError(`the checkpoint ${file} holds no graph (a per-point MLP or a bring-your-own ONNX model)`);
      return deserializeGraph(ckpt.graph);
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read the graph in ${file}: ${(err as Error).message}`);
  }
  throw new CliError(`${file} is neither an Isobar checkpoint (zip) nor a graph file (starts with "${GRAPH_MAGIC}")`);
}

const fmt = (x: number, digits: number) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));

/** Plain-text report of a graph summary: node sets, then one row per edge set. */
export function formatGraphSummary(s: GraphSummary): string {
  const nodes = columns(["node set", "nodes"], s.nodes.map((n) => [n.name, String(n.size)]));
  const edges = columns(
    ["edge set", "source → target", "edges", "in-degree min/mean/max", "out-degree min/mean/max", "length ° min/mean/max"],
    s.edges.map((e) => [
      e.name,
      `${e.source} → ${e.target}`,
      String(e.size),
      [e.inDegree.min, e.inDegree.mean, e.inDegree.max].map((x) => fmt(x, 2)).join(" / "),
      [e.outDegree.min, e.outDegree.mean, e.outDegree.max].map((x) => fmt(x, 2)).join(" / "),
      [e.lengthDeg.min, e.lengthDeg.mean, e.lengthDeg.max].map((x) => x.toFixed(2)).join(" / "),
    ]),
  );
  return `${nodes}\n\n${edges}`;
}

export function registerGraphsCommands(program: Command): void {
  const graphs = program.command("graphs").description("encoder–processor–decoder graphs of graph models");
  graphs
    .command("inspect <file>")
    .description("node and edge counts, degree and edge-length statistics of a checkpoint's graph or a graph file")
    .option("--json", "print JSON")
    .action((file: string, opts: { json?: boolean }) => {
      const summary = inspectGraph(readGraphFile(file));
      console.log(opts.json ? JSON.stringify(summary, null, 2) : formatGraphSummary(summary));
    });
}
