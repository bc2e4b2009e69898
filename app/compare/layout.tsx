import type { ReactNode } from "react";
import "@/components/tracking/tracking.css";

export default function CompareLayout({ children }: { children: ReactNode }) {
  return children;
}
