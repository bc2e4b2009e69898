import type { Metadata } from "next";
import { LaunchTrainingForm } from "@/components/training/launch-form";

export const metadata: Metadata = { title: "Launch training" };

export default function Page() {
  return (
    <>
      <h1>Launch training</h1>
      <LaunchTrainingForm />
    </>
  );
}
