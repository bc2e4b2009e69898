import type { Metadata } from "next";
import { Suspense } from "react";
import { RunsView } from "@/components/tracking/runs-view";

export const metadata: Metadata = { title: "Runs" };

export default function RunsPage() {
  return (
    <>
      <h1>Runs</h1>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <RunsView />
      </Suspense>
    </>
  );
}
