"use client";

import Link from "next/link";
import type { RouterOutputs } from "@/server/trpc/router";
import { formatDuration, formatTime, JobStateBadge, ProgressBar } from "./job-bits";

type Job = RouterOutputs["jobs"]["list"][number];

export function JobsTable({ jobs }: { jobs: Job[] }) {
  if (jobs.length === 0) return <p className="muted">No jobs match.</p>;
  return (
    <table className="data" data-testid="jobs-table">
      <thead>
        <tr>
          <th>Job</th>
          <th>Type</th>
          <th>State</th>
          <th>Progress</th>
          <th>Message</th>
          <th>Attempts</th>
          <th>Created</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} data-job-id={job.id}>
            <td className="mono">
              <Link href={`/jobs/${job.id}`}>{job.id.slice(0, 8)}</Link>
            </td>
            <td>{job.type}</td>
            <td>
              <JobStateBadge state={job.state} />
            </td>
            <td>
              <ProgressBar fraction={job.progress} />
            </td>
            <td className="muted">{job.error ?? job.progressMessage ?? ""}</td>
            <td>{job.attempts}</td>
            <td>{formatTime(job.createdAt)}</td>
            <td>{formatDuration(job.startedAt, job.finishedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
