"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useMemo, useState } from "react";
import { useTRPC } from "@/components/trpc";

/** Fields most launches set; each becomes an override only when filled in. */
const FIELDS = [
  { key: "diagnostics.tracker.run_name", label: "Run name", placeholder: "e.g. gnn-lr3e-4" },
  { key: "diagnostics.tracker.experiment", label: "Experiment", placeholder: "config default" },
  { key: "training.max_minutes", label: "Time budget (minutes)", placeholder: "config default" },
  { key: "training.max_steps", label: "Max steps", placeholder: "config default" },
  { key: "training.lr", label: "Learning rate (a sweep: 1e-3,3e-4)", placeholder: "config default" },
] as const;

/**
 * "Launch training": pick config group options and a dataset, set common values and any extra
 * Hydra-style overrides, see the resolved config (or exactly what is wrong with it) before
 * launching; the launch queues one training job per sweep combination.
 */
export function LaunchTrainingForm() {
  const trpc = useTRPC();
  const options = useQuery(trpc.training.launchOptions.queryOptions({ entry: "train" }));
  const [choices, setChoices] = useState<Record<string, string>>({});
  const [dataset, setDataset] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [extra, setExtra] = useState("");

  const overrides = useMemo(() => {
    const out: string[] = [];
    for (const g of options.data?.groups ?? []) {
      const picked = choices[g.group];
      if (picked && picked !== g.selected) out.push(`${g.group}=${picked}`);
    }
    if (dataset) out.push(`data.dataset=${dataset}`);
    for (const f of FIELDS) {
      const v = fields[f.key]?.trim();
      if (v) out.push(`${f.key}=${v}`);
    }
    for (const line of extra.split("\n")) if (line.trim()) out.push(line.trim());
    return out;
  }, [options.data, choices, dataset, fields, extra]);
  const deferred = useDeferredValue(overrides);
  const preview = useQuery({ ...trpc.training.preview.queryOptions({ entry: "train", overrides: deferred }), enabled: !!options.data });
  const launch = useMutation(trpc.training.launch.mutationOptions());

  if (options.error) return <div className="error-box">{options.error.message}</div>;
  if (!options.data) return <p className="muted">Loading…</p>;
  const p = preview.data;
  return (
    <div className="launch" data-testid="launch-form" style={{ display: "grid", gridTemplateColumns: "minmax(320px, 1fr) 1.4fr", gap: 24 }}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          launch.mutate({ entry: "train", overrides });
        }}
        style={{ display: "grid", gap: 10, alignContent: "start" }}
      >
        <p className="muted">
          Composes <span className="mono">train</span> from <span className="mono">{options.data.configDir}</span>, as{" "}
          <span className="mono">isobar train</span> does.
        </p>
        {options.data.groups.map((g) => (
          <label key={g.group}>
            <span className="label">{g.group}</span>{" "}
            <select data-testid={`launch-group-${g.group}`} value={choices[g.group] ?? g.selected ?? ""} onChange={(e) => setChoices({ ...choices, [g.group]: e.target.value })}>
              {g.options.map((o) => (
                <option key={o} value={o}>
                  {o}
                  {o === g.selected ? " (default)" : ""}
                </option>
              ))}
            </select>
          </label>
        ))}
        <label>
          <span className="label">dataset</span>{" "}
          <select data-testid="launch-dataset" value={dataset} onChange={(e) => setDataset(e.target.value)}>
            <option value="">config default</option>
            {options.data.datasets.map((d) => (
              <option key={d.id} value={d.path}>
                {d.name} ({d.grid ?? "?"})
              </option>
            ))}
          </select>
        </label>
        {FIELDS.map((f) => (
          <label key={f.key}>
            <span className="label">{f.label}</span>{" "}
            <input data-testid={`launch-field-${f.key}`} value={fields[f.key] ?? ""} placeholder={f.placeholder} onChange={(e) => setFields({ ...fields, [f.key]: e.target.value })} />
          </label>
        ))}
        <label>
          <span className="label">More overrides, one per line</span>
          <textarea data-testid="launch-extra" rows={5} value={extra} onChange={(e) => setExtra(e.target.value)} placeholder={"model.num_channels=32\ntraining.rollout.maximum=4"} style={{ width: "100%", fontFamily: "monospace" }} />
        </label>
        <div className="mono" data-testid="launch-overrides" style={{ whiteSpace: "pre-wrap" }}>
          isobar train {overrides.join(" ")}
        </div>
        <div>
          <button type="submit" data-testid="launch-submit" disabled={!p?.ok || launch.isPending}>
            {p?.ok && p.runs.length > 1 ? `Launch ${p.runs.length} runs (sweep)` : "Launch training"}
          </button>
        </div>
        {launch.error ? <div className="error-box">{launch.error.message}</div> : null}
        {launch.data ? (
          <div data-testid="launch-result">
            Queued{" "}
            {launch.data.jobs.map((j, i) => (
              <span key={j.id}>
                {i ? ", " : ""}
                <Link href={`/jobs/${j.id}`}>job {j.id.slice(0, 8)}</Link>
              </span>
            ))}
            . The run appears on the <Link href="/runs">Runs</Link> page as soon as it starts, and its loss grows there while it trains.
          </div>
        ) : null}
      </form>
      <div>
        <h2 style={{ marginTop: 0 }}>Resolved config</h2>
        {p && !p.ok ? (
          <pre className="error-box" data-testid="launch-error">
            {p.error}
          </pre>
        ) : null}
        {preview.error ? <div className="error-box">{preview.error.message}</div> : null}
        {p?.ok ? (
          <pre data-testid="launch-preview" className="mono" style={{ background: "var(--panel)", border: "1px solid var(--border)", padding: 12, maxHeight: "75vh", overflow: "auto" }}>
            {p.yaml}
          </pre>
        ) : null}
      </div>
    </div>
  );
}
