import type { Metadata } from "next";
import { Suspense } from "react";
import { JobsView } from "./jobs-view";

export const metadata: Metadata = { title: "Jobs" };

export default function JobsPage() {
  return (
    <>
      <h1>Jobs</h1>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <JobsView />
      </Suspense>
    </>
  );
}
