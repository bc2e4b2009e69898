"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc";

/** What an artefact came from and what was made from it, as links both ways. */
export function LineagePanel({ id }: { id: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.lineage.get.queryOptions({ id }));
  if (q.error) return <p className="muted">Lineage unavailable: {q.error.message}</p>;
  if (!q.data) return <p className="muted">Loading lineage…</p>;
  const { upstream, downstream } = q.data;
  return (
    <div className="lineage" data-testid="lineage-panel">
      <div>
        <div className="label muted">Made from</div>
        {upstream.length === 0 ? <p className="muted">nothing recorded</p> : null}
        <ul>
          {upstream.map((n) => (
            <li key={`${n.kind}-${n.id}`}>
              ← <Link href={n.href}>{n.label}</Link>
            </li>
          ))}
        </ul>
      </div>
      <div>
        <div className="label muted">Used by</div>
        {downstream.length === 0 ? <p className="muted">nothing yet</p> : null}
        <ul>
          {downstream.map((n) => (
            <li key={`${n.kind}-${n.id}`}>
              → <Link href={n.href}>{n.label}</Link>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
