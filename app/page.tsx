"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { JobsTable } from "@/components/jobs/jobs-table";
import { ExperimentOverview } from "@/components/overview/experiment-overview";
import { SystemCards } from "@/components/system/system-info";
import { useTRPC } from "@/components/trpc";

export default function OverviewPage() {
  const trpc = useTRPC();
  const recent = useQuery({ ...trpc.jobs.list.queryOptions({ limit: 10 }), refetchInterval: 2000 });
  return (
    <>
      <h1>Overview</h1>
      <ExperimentOverview />
      <h2>
        Recent jobs <Link href="/jobs" className="muted">(all jobs)</Link>
      </h2>
      {recent.data ? <JobsTable jobs={recent.data} /> : <p className="muted">Loading…</p>}
      <h2>System</h2>
      <SystemCards />
    </>
  );
}
