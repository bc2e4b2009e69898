import type { Metadata } from "next";
import { Suspense } from "react";
import { CompareView } from "@/components/tracking/compare-view";

export const metadata: Metadata = { title: "Compare runs" };

export default function ComparePage() {
  return (
    <>
      <h1>Compare runs</h1>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <CompareView />
      </Suspense>
    </>
  );
}
