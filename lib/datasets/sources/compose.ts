import type { Grid } from "@/lib/grids";
import { isoSeconds } from "../dates";
import { DatasetError } from "../errors";
import type { InputNode } from "../recipe";
import { getSource, type SourceContext } from "./registry";
import type { OpenedSource, SourceVariable } from "./source";

/**
 * Open a recipe's input tree on the target grid: `join` merges the variables of its inputs
 * (each variable must come from exactly one input), `concat` switches input by date block.
 */
export async function openInput(node: InputNode, grid: Grid, context: SourceContext): Promise<OpenedSource> {
  switch (node.kind) {
    case "source": {
      const factory = await getSource(node.name);
      const source = await factory.create(node.config, context);
      try {
        return await source.open(grid);
      } catch (e) {
        throw new DatasetError(`${node.path}: ${(e as Error).message}`);
      }
    }
    case "join":
      return openJoin(node, grid, context);
    case "concat":
      return openConcat(node, grid, context);
  }
}

async function closeAll(list: OpenedSource[]): Promise<void> {
  await Promise.all(list.map((s) => s.close?.()));
}

async function openJoin(node: Extract<InputNode, { kind: "join" }>, grid: Grid, context: SourceContext): Promise<OpenedSource> {
  const opened: OpenedSource[] = [];
  try {
    for (const item of node.items) opened.push(await openInput(item, grid, context));
  } catch (e) {
    await closeAll(opened);
    throw e;
  }
  const owner = new Map<string, number>();
  const variables: SourceVariable[] = [];
  opened.forEach((s, k) =>
    s.variables.forEach((v) => {
      const prev = owner.get(v.name);
      if (prev !== undefined) {
        void closeAll(opened);
        throw new DatasetError(`${node.path}: variable '${v.name}' is produced by both ${node.items[prev].path} and ${node.items[k].path}`);
      }
      owner.set(v.name, k);
      variables.push(v);
    }),
  );
  return {
    variables,
    async fieldsAt(date: Date) {
      const parts = await Promise.all(opened.map((s) => s.fieldsAt(date)));
      const out = new Map<string, Float32Array>();
      for (const p of parts) for (const [k, v] of p) out.set(k, v);
      return out;
    },
    close: () => closeAll(opened),
  };
}

async function openConcat(node: Extract<InputNode, { kind: "concat" }>, grid: Grid, context: SourceContext): Promise<OpenedSource> {
  const opened: OpenedSource[] = [];
  try {
    for (const item of node.items) opened.push(await openInput(item.node, grid, context));
  } catch (e) {
    await closeAll(opened);
    throw e;
  }
  const names = opened[0].variables.map((v) => v.name);
  opened.forEach((s, k) => {
    const other = s.variables.map((v) => v.name);
    if (other.length !== names.length || other.some((n) => !names.includes(n))) {
      void closeAll(opened);
      throw new DatasetError(
        `${node.items[k].path}: concat blocks must produce the same variables ([${names.join(", ")}] vs [${other.join(", ")}])`,
      );
    }
  });
  return {
    variables: opened[0].variables,
    async fieldsAt(date: Date) {
      const t = Math.round(date.getTime() / 1000);
      const k = node.items.findIndex((it) => t >= it.start && t <= it.end);
      if (k < 0) throw new DatasetError(`${node.path}: no concat block covers ${isoSeconds(t)}`);
      return opened[k].fieldsAt(date);
    },
    close: () => closeAll(opened),
  };
}
