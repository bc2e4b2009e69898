"use client";

import dynamic from "next/dynamic";
import { SystemCards, useSystemInfo } from "@/components/system/system-info";

// deck.gl needs the browser's WebGL2 context: render it on the client only.
const RendererCheck = dynamic(() => import("@/components/maps/renderer-check"), { ssr: false });

export default function SystemPage() {
  const info = useSystemInfo();
  const s = info.data;
  return (
    <>
      <h1>System</h1>
      <SystemCards />
      {s ? (
        <>
          <h2>Server</h2>
          <dl className="props">
            <dt>Storage location</dt>
            <dd className="mono">{s.storageLocation}</dd>
            <dt>ISOBAR_HOME</dt>
            <dd className="mono">{s.home}</dd>
            <dt>Database server</dt>
            <dd className="mono">{s.database.ok ? s.database.serverVersion : s.database.error}</dd>
            <dt>Process</dt>
            <dd className="mono">pid {s.pid}, up since {new Date(s.startedAt).toLocaleString()}</dd>
            <dt>Job workers here</dt>
            <dd>{s.workersInThisProcess ? "yes" : "no — jobs run in 'isobar worker' processes"}</dd>
            <dt>Job types</dt>
            <dd className="mono">{s.jobTypes.join(", ")}</dd>
          </dl>
        </>
      ) : null}
      <h2>Map renderer check</h2>
      <RendererCheck />
    </>
  );
}
