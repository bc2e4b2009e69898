import type { Metadata } from "next";
import { Suspense } from "react";
import { ScorecardsPage } from "@/components/verification/scorecards-page";

export const metadata: Metadata = { title: "Scorecards" };

export default function Page() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <ScorecardsPage />
    </Suspense>
  );
}
