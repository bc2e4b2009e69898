import type { Metadata } from "next";
import { Suspense } from "react";
import { ScoresPage } from "@/components/verification/scores-page";

export const metadata: Metadata = { title: "Scores" };

export default function Page() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <ScoresPage />
    </Suspense>
  );
}
