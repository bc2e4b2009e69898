import type { ReactNode } from "react";
import "@/components/tracking/tracking.css";

export default function RunsLayout({ children }: { children: ReactNode }) {
  return children;
}
