/** `isobar config show|diff`: compose, inspect and compare training configs. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import pc from "picocolors";
import {
  composeConfig,
  composeSweep,
  diffConfigs,
  diffToJson,
  formatOrigin,
  formatProvenance,
  formatYaml,
  migrateConfig,
  parseOverrides,
  parseYamlConfig,
  readConfigArtifact,
  renderDiff,
  resolveInterpolations,
  toPlain,
  validateConfig,
  collectProvenance,
  type ComposedConfig,
  type ConfigSource,
  type DiffSide,
} from "@/lib/config";
import { fsSource } from "@/lib/config/fs-source";
import { fromPlain, type ConfigValue, type MapNode } from "@/lib/config/tree";
import { readEnv } from "@/server/env";
import { withApi } from "../api";
import { splitWords } from "@/lib/config/words";

/** A config-command failure whose message is the whole story for the user. */
export class ConfigCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigCommandError";
  }
}

export function defaultConfigDir(): string {
  return process.env.ISOBAR_CONFIG_DIR ?? fileURLToPath(new URL("../../config/", import.meta.url));
}

function openSource(dir: string | undefined): ConfigSource {
  const root = path.resolve(dir ?? defaultConfigDir());
  if (!existsSync(root)) throw new ConfigCommandError(`Config directory not found: ${root}`);
  return fsSource(root, path.relative(process.cwd(), root) || ".");
}

/** `train` names an entry in the config dir; a path to an existing .yaml file is used as the primary config. */
function entryFor(entry: string): string | { text: string; file: string } {
  if (/\.ya?ml$/.test(entry) && existsSync(entry)) return { text: readFileSync(entry, "utf8"), file: entry };
  return entry;
}

const colorOn = () => pc.isColorSupported && process.stdout.isTTY === true;

interface ShowOptions {
  resolve?: boolean;
  provenance?: boolean;
  json?: boolean;
  configDir?: string;
}

function showOne(composed: ComposedConfig, opts: ShowOptions, label: string | undefined): string | object {
  let tree: MapNode = composed.tree;
  if (opts.resolve) {
    tree = resolveInterpolations(composed.tree, { env: process.env });
    validateConfig(tree);
  }
  if (opts.json) {
    const out: Record<string, unknown> = { config: toPlain(tree), choices: composed.choices, notes: composed.notes };
    if (label) out.overrides = label;
    if (opts.provenance) out.provenance = Object.fromEntries([...collectProvenance(tree)].map(([k, o]) => [k, formatOrigin(o)]));
    return out;
  }
  const c = pc.createColors(colorOn());
  const head: string[] = [];
  if (label) head.push(c.bold(`# ${label}`));
  for (const note of composed.notes) head.push(c.dim(`# migrated: ${note.trim()}`));
  const body = opts.provenance ? formatProvenance(tree, { dim: c.dim }) : formatYaml(tree).trimEnd();
  return [...head, body].join("\n");
}

/** A diff operand: a .json artifact, a .yaml config (full or with a defaults list), or an override set. */
function loadSide(operand: string, source: ConfigSource): DiffSide {
  const trimmed = operand.trim();
  if (/\.json$/.test(trimmed) && existsSync(trimmed)) {
    return { label: trimmed, tree: readConfigArtifact(readFileSync(trimmed, "utf8"), trimmed).tree };
  }
  if (/\.ya?ml$/.test(trimmed) && existsSync(trimmed)) {
    const text = readFileSync(trimmed, "utf8");
    const parsed = parseYamlConfig(text, trimmed);
    if (parsed.entries.has("defaults")) {
      return { label: trimmed, tree: resolveInterpolations(composeConfig({ source, entry: { text, file: trimmed } }).tree, { env: process.env }) };
    }
    migrateConfig(parsed);
    return { label: trimmed, tree: resolveInterpolations(parsed, { env: process.env }) };
  }
  const words = splitWords(trimmed);
  if (words.length === 0) throw new ConfigCommandError("Empty config operand; give a config file or an override set such as \"train model=gnn\"");
  const [entry, ...overrides] = words;
  if (parseOverrides(overrides).some((o) => o.sweep)) throw new ConfigCommandError(`Sweeps are not allowed in a diff operand: ${JSON.stringify(operand)}`);
  return { label: trimmed, tree: resolveInterpolations(composeConfig({ source, entry: entryFor(entry), overrides }).tree, { env: process.env }) };
}

/** A tracked run's id (32 hex digits, as MLflow makes them), optionally written `run:<id>`. */
function isRunOperand(operand: string): boolean {
  return /^(run:)?[0-9a-f]{32}$/i.test(operand.trim());
}

/** Configs of tracked runs: their config.json artifact, else their params unflattened. */
async function loadRunSides(operands: string[]): Promise<Map<string, DiffSide>> {
  const out = new Map<string, DiffSide>();
  if (operands.length === 0) return out;
  await withApi(readEnv(), "isobar config diff", async (api) => {
    for (const operand of operands) {
      const runId = operand.trim().replace(/^run:/i, "").toLowerCase();
      const [run, config] = await Promise.all([api.tracking.run.query({ runId }), api.tracking.config.query({ runId })]);
      if (!config.config) throw new ConfigCommandError(`Run ${runId} (${run.info.runName}) has no config.json artifact and no params to compare${config.error ? `: ${config.error}` : ""}`);
      out.set(operand, { label: `${run.info.runName} (${runId.slice(0, 8)})`, tree: fromPlain(config.config as ConfigValue, { kind: "artifact", file: `run ${runId}` }) });
    }
  });
  return out;
}

export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("compose, inspect and compare training configs");

  config
    .command("show")
    .description("compose a config from an entry (e.g. train) and Hydra-style overrides; sweeps print one config each")
    .argument("<entry>", "entry config name in the config dir (train) or a path to a .yaml file")
    .argument("[overrides...]", "overrides: key=value, group=option, +key=value, ++key=value, ~key")
    .option("--resolve", "resolve ${...} interpolations and validate against the schema")
    .option("--provenance", "print every leaf with the file:line or override that set it")
    .option("--json", "print JSON")
    .option("--config-dir <dir>", "config directory (default: $ISOBAR_CONFIG_DIR or the shipped config/)")
    .action((entry: string, overrides: string[], opts: ShowOptions) => {
      const source = openSource(opts.configDir);
      const parsed = parseOverrides(overrides);
      const isSweep = parsed.some((o) => o.sweep);
      const configs = isSweep ? composeSweep({ source, entry: entryFor(entry), overrides: parsed }) : [composeConfig({ source, entry: entryFor(entry), overrides: parsed })];
      const outputs = configs.map((c, i) =>
        showOne(c, opts, isSweep ? `config ${i + 1}/${configs.length}: ${c.overrides.map((o) => o.text).join(" ")}` : undefined),
      );
      if (opts.json) console.log(JSON.stringify(isSweep ? outputs : outputs[0], null, 2));
      else console.log(outputs.join("\n\n"));
    });

  config
    .command("diff")
    .description("structural diff of configs: tracked run ids, files (.yaml, config.json artifacts) or override sets like \"train model=gnn training.lr=1e-4\"")
    .argument("<A>", "baseline config")
    .argument("<B>", "config to compare")
    .argument("[more...]", "further configs (N-way diff against A)")
    .option("--json", "print the diff as JSON")
    .option("--no-provenance", "do not print where each value came from")
    .option("--config-dir <dir>", "config directory (default: $ISOBAR_CONFIG_DIR or the shipped config/)")
    .action(async (a: string, b: string, more: string[], opts: { json?: boolean; provenance: boolean; configDir?: string }) => {
      const source = openSource(opts.configDir);
      const operands = [a, b, ...more];
      const runSides = await loadRunSides(operands.filter(isRunOperand));
      const sides = operands.map((operand) => runSides.get(operand) ?? loadSide(operand, source));
      const diff = diffConfigs(sides);
      if (opts.json) console.log(JSON.stringify(diffToJson(diff), null, 2));
      else console.log(renderDiff(diff, { color: colorOn(), provenance: opts.provenance }));
    });
}
