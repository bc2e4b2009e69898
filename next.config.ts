import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  // Type-checking runs separately (`npm run typecheck`) over the whole project, including the
  // server and CLI code that Next never bundles; doing it again inside `next build` only costs time.
  typescript: { ignoreBuildErrors: true },
  // Server code (database, job queue) runs in the custom server (server/http), never in Next's bundles.
  serverExternalPackages: ["@electric-sql/pglite", "pg-boss", "pg"],
  turbopack: { root: import.meta.dirname },
};

export default config;
