"use client";

import dynamic from "next/dynamic";
import { Suspense } from "react";

// deck.gl needs the browser's WebGL2 context: render the maps on the client only.
const MapsView = dynamic(() => import("@/components/maps/maps-view"), { ssr: false, loading: () => <p className="muted">Loading maps…</p> });

export default function MapsPage() {
  return (
    <Suspense fallback={<p className="muted">Loading maps…</p>}>
      <MapsView />
    </Suspense>
  );
}
