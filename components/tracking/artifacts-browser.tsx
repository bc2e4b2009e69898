"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc";

function formatBytes(n: number | null): string {
  if (n === null) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** One folder level; folders open in place (loaded when opened). */
function Folder({ runId, path, depth, selected, onSelect }: { runId: string; path: string; depth: number; selected: string | null; onSelect: (p: string) => void }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.tracking.artifacts.queryOptions({ runId, path }));
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  if (list.error) return <div className="error-box">{list.error.message}</div>;
  if (!list.data) return <div className="muted" style={{ paddingLeft: 8 + depth * 14 }}>Loading…</div>;
  if (depth === 0 && !list.data.stored) return <div className="muted" style={{ padding: 8 }}>Artifacts are stored at {list.data.rootUri}, outside this server.</div>;
  if (list.data.files.length === 0) return <div className="muted" style={{ paddingLeft: 8 + depth * 14 }}>{depth === 0 ? "No artifacts." : "Empty folder."}</div>;
  return (
    <>
      {list.data.files.map((f) => {
        const name = f.path.split("/").pop();
        if (f.isDir) {
          const isOpen = open.has(f.path);
          return (
            <div key={f.path}>
              <button
                style={{ paddingLeft: 8 + depth * 14 }}
                data-testid="artifact-entry"
                data-path={f.path}
                aria-expanded={isOpen}
                onClick={() =>
                  setOpen((s) => {
                    const n = new Set(s);
                    if (n.has(f.path)) n.delete(f.path);
                    else n.add(f.path);
                    return n;
                  })
                }
              >
                <span>{isOpen ? "▾" : "▸"}</span> <span>{name}/</span>
              </button>
              {isOpen ? <Folder runId={runId} path={f.path} depth={depth + 1} selected={selected} onSelect={onSelect} /> : null}
            </div>
          );
        }
        return (
          <button key={f.path} style={{ paddingLeft: 22 + depth * 14 }} data-testid="artifact-entry" data-path={f.path} aria-current={selected === f.path} onClick={() => onSelect(f.path)}>
            <span>{name}</span>
            <span className="size">{formatBytes(f.size)}</span>
          </button>
        );
      })}
    </>
  );
}

function Preview({ runId, path }: { runId: string; path: string }) {
  const trpc = useTRPC();
  const preview = useQuery(trpc.tracking.artifactPreview.queryOptions({ runId, path }));
  if (preview.error) return <div className="error-box">{preview.error.message}</div>;
  if (!preview.data) return <p className="muted">Loading…</p>;
  const p = preview.data;
  return (
    <div data-testid="artifact-preview" data-kind={p.kind}>
      <div className="toolbar">
        <span className="mono">{p.path}</span>
        <span className="muted">{formatBytes(p.size)}</span>
        <a href={p.url} download>
          Download
        </a>
        {p.truncated ? <span className="muted">(preview shows the first 512 KB)</span> : null}
      </div>
      {p.kind === "image" ? (
        <img src={p.url} alt={p.path} />
      ) : p.kind === "binary" ? (
        <p className="muted">Binary file; download it to view.</p>
      ) : (
        <pre className="json">{p.text}</pre>
      )}
    </div>
  );
}

/** Folders and previews (text, JSON, YAML, images) of a run's artifacts. */
export function ArtifactsBrowser({ runId }: { runId: string }) {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <div className="trk-artifacts" data-testid="artifacts">
      <div className="trk-artifact-list">
        <Folder runId={runId} path="" depth={0} selected={selected} onSelect={setSelected} />
      </div>
      <div className="trk-preview">{selected ? <Preview runId={runId} path={selected} /> : <p className="muted">Select a file to preview it.</p>}</div>
    </div>
  );
}
