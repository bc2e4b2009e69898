import type { Metadata } from "next";
import { ForecastDetail } from "@/components/verification/forecast-detail";

export const metadata: Metadata = { title: "Forecast" };

export default async function ForecastPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ForecastDetail id={id} />;
}
