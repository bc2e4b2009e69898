import fs from "node:fs";
import path from "node:path";
import type http from "node:http";
import JSON5 from "json5";
import { z } from "zod";
import { parseExperimentFilter, parseRunFilter } from "../../lib/tracking/search-filter";
import { SearchSyntaxError } from "../../lib/tracking/errors";
import { parseOrderBy } from "../../lib/tracking/order-by";
import { decodePageToken, encodePageToken, PageTokenError } from "../../lib/tracking/page-token";
import { EXPERIMENT_SEARCH_SCHEMA, RUN_SEARCH_SCHEMA } from "../../lib/tracking/search-schema";
import type { Services } from "../services";
import { ISOBAR_VERSION } from "../version";
import { artifactRoot, deleteArtifact, fileForDownload, listDirectory, localDirForArtifactUri, safeRelative, writeUpload } from "./artifacts";
import { MlflowError, invalidParameter } from "./errors";
import { LIMITS, validateExperimentId } from "./limits";
import { roleOfToken } from "./tokens";
import { experimentJson, runInfoJson, runJson, toMlflowJson } from "./mlflow-json";
import { pickRunId, S } from "./mlflow-schemas";
import * as experimentsStore from "./store/experiments";
import { getHistoryBulkInterval, getMetricHistory } from "./store/history";
import { logBatch, logInputs } from "./store/logging";
import * as runsStore from "./store/runs";
import { experimentFilterSql, experimentOrderSql, searchRuns } from "./store/search";
import type { RunStatus } from "./store/types";

type Handler = (input: Record<string, unknown>, services: Services) => Promise<unknown>;
type Route = { method: "GET" | "POST" | "PATCH" | "DELETE"; schema: z.ZodType; handler: Handler };

function requireRunId(input: { run_id?: string; run_uuid?: string }): string {
  const id = pickRunId(input);
  if (!id) throw invalidParameter("Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
  return id;
}

function route<S extends z.ZodType>(method: Route["method"], schema: S, handler: (input: z.infer<S>, services: Services) => Promise<unknown>): Route {
  return { method, schema, handler: handler as Handler };
}

/** MLflow tracking API 2.0, relative to /api/2.0/mlflow (and /ajax-api/2.0/mlflow). */
const ROUTES: Record<string, Route[]> = {
  "experiments/create": [
    route("POST", S.createExperiment, async (i, s) => ({
      experiment_id: await experimentsStore.createExperiment(s.storage.db, { name: i.name, artifactLocation: i.artifact_location || undefined, tags: i.tags }),
    })),
  ],
  "experiments/get": [route("GET", S.experimentId, async (i, s) => ({ experiment: experimentJson(await experimentsStore.getExperiment(s.storage.db, i.experiment_id)) }))],
  "experiments/get-by-name": [
    route("GET", S.experimentName, async (i, s) => ({ experiment: experimentJson(await experimentsStore.getExperimentByName(s.storage.db, i.experiment_name)) })),
  ],
  "experiments/search": ["POST", "GET"].map((m) =>
    route(m as "POST" | "GET", S.searchExperiments, async (i, s) => {
      if (i.max_results < 1 || i.max_results > LIMITS.maxExperimentsPerSearchPage) {
        throw invalidParameter(`Invalid value ${i.max_results} for parameter 'max_results' supplied. It must be at most ${LIMITS.maxExperimentsPerSearchPage} and at least 1.`);
      }
      const offset = decodePageToken(i.page_token).offset;
      const where = experimentFilterSql(parseExperimentFilter(i.filter));
      const orderBy = parseOrderBy(i.order_by, EXPERIMENT_SEARCH_SCHEMA).map(experimentOrderSql);
      const list = await experimentsStore.listExperiments(s.storage.db, { where, orderBy, viewType: i.view_type, offset, limit: i.max_results + 1 });
      const more = list.length > i.max_results;
      return {
        experiments: list.slice(0, i.max_results).map(experimentJson),
        ...(more ? { next_page_token: encodePageToken({ offset: offset + i.max_results }) } : {}),
      };
    }),
  ),
  "experiments/update": [route("POST", S.updateExperiment, async (i, s) => (await experimentsStore.renameExperiment(s.storage.db, i.experiment_id, i.new_name), {}))],
  "experiments/delete": [route("POST", S.experimentId, async (i, s) => (await experimentsStore.setExperimentLifecycle(s.storage.db, i.experiment_id, "deleted"), {}))],
  "experiments/restore": [route("POST", S.experimentId, async (i, s) => (await experimentsStore.setExperimentLifecycle(s.storage.db, i.experiment_id, "active"), {}))],
  "experiments/set-experiment-tag": [
    route("POST", S.setExperimentTag, async (i, s) => (await experimentsStore.setExperimentTag(s.storage.db, i.experiment_id, i.key, i.value), {})),
  ],
  "experiments/delete-experiment-tag": [
    route("POST", S.deleteExperimentTag, async (i, s) => (await experimentsStore.deleteExperimentTag(s.storage.db, i.experiment_id, i.key), {})),
  ],
  "runs/create": [
    route("POST", S.createRun, async (i, s) => ({
      run: runJson(
        await runsStore.createRun(s.storage.db, { experimentId: i.experiment_id, runName: i.run_name, startTime: i.start_time, tags: i.tags, userId: i.user_id }),
      ),
    })),
  ],
  "runs/get": [route("GET", S.getRun, async (i, s) => ({ run: runJson(await runsStore.getRun(s.storage.db, requireRunId(i))) }))],
  "runs/update": [
    route("POST", S.updateRun, async (i, s) => ({
      run_info: runInfoJson(
        await runsStore.updateRun(s.storage.db, requireRunId(i), { status: i.status as RunStatus | undefined, endTime: i.end_time, runName: i.run_name }),
      ),
    })),
  ],
  "runs/delete": [route("POST", S.runLifecycle, async (i, s) => (await runsStore.setRunLifecycle(s.storage.db, requireRunId(i), "deleted"), {}))],
  "runs/restore": [route("POST", S.runLifecycle, async (i, s) => (await runsStore.setRunLifecycle(s.storage.db, requireRunId(i), "active"), {}))],
  "runs/search": ["POST", "GET"].map((m) =>
    route(m as "POST" | "GET", S.searchRuns, async (i, s) => {
      if (i.max_results < 1 || i.max_results > LIMITS.maxRunsPerSearchPage) {
        throw invalidParameter(`Invalid value ${i.max_results} for parameter 'max_results' supplied. It must be at most ${LIMITS.maxRunsPerSearchPage} and at least 1.`);
      }
      const offset = decodePageToken(i.page_token).offset;
      const result = await searchRuns(s.storage.db, {
        experimentIds: i.experiment_ids.map(validateExperimentId),
        clauses: parseRunFilter(i.filter),
        orderBy: parseOrderBy(i.order_by, RUN_SEARCH_SCHEMA),
        viewType: i.run_view_type,
        offset,
        limit: i.max_results,
      });
      return { runs: result.runs.map(runJson), ...(result.hasMore ? { next_page_token: encodePageToken({ offset: offset + i.max_results }) } : {}) };
    }),
  ),
  "runs/log-metric": [
    route("POST", S.logMetric, async (i, s) => {
      await logBatch(s.storage.db, requireRunId(i), { metrics: [{ key: i.key, value: i.value, timestamp: i.timestamp, step: i.step }] });
      return {};
    }),
  ],
  "runs/log-parameter": [
    route("POST", S.logParam, async (i, s) => (await logBatch(s.storage.db, requireRunId(i), { params: [{ key: i.key, value: i.value }] }), {})),
  ],
  "runs/log-batch": [
    route("POST", S.logBatch, async (i, s) => (await logBatch(s.storage.db, requireRunId(i), { metrics: i.metrics, params: i.params, tags: i.tags }), {})),
  ],
  "runs/set-tag": [route("POST", S.setTag, async (i, s) => (await runsStore.setRunTag(s.storage.db, requireRunId(i), { key: i.key, value: i.value }), {}))],
  "runs/delete-tag": [route("POST", S.deleteTag, async (i, s) => (await runsStore.deleteRunTag(s.storage.db, requireRunId(i), i.key), {}))],
  "runs/log-inputs": [
    route("POST", S.logInputs, async (i, s) => {
      await logInputs(
        s.storage.db,
        requireRunId(i),
        i.datasets.map((d) => ({
          tags: d.tags,
          dataset: { name: d.dataset.name, digest: d.dataset.digest, sourceType: d.dataset.source_type, source: d.dataset.source, schema: d.dataset.schema, profile: d.dataset.profile },
        })),
      );
      return {};
    }),
  ],
  "metrics/get-history": [
    route("GET", S.getHistory, async (i, s) => {
      const runId = requireRunId(i);
      const page =
        i.max_results !== undefined || i.page_token ? { offset: decodePageToken(i.page_token).offset, limit: Math.max(1, i.max_results ?? 25_000) } : undefined;
      const result = await getMetricHistory(s.storage.db, runId, i.metric_key, page);
      return { metrics: result.metrics, ...(result.nextOffset !== null ? { next_page_token: encodePageToken({ offset: result.nextOffset }) } : {}) };
    }),
  ],
  "metrics/get-history-bulk-interval": [
    route("GET", S.bulkInterval, async (i, s) => {
      const points = await getHistoryBulkInterval(s.storage.db, i.run_ids, i.metric_key, i.max_results, i.start_step, i.end_step);
      return { metrics: points.map((p) => ({ key: p.key, value: p.value, timestamp: p.timestamp, step: p.step, run_id: p.runId })) };
    }),
  ],
  "artifacts/list": [
    route("GET", S.listArtifacts, async (i, s) => {
      const run = await runsStore.getRunRow(s.storage.db, requireRunId(i));
      const rel = safeRelative(i.path ?? "");
      const dir = localDirForArtifactUri(s.env.home, run.artifactUri);
      const files = dir ? listDirectory(path.join(dir, rel), rel) : [];
      return { root_uri: run.artifactUri, files };
    }),
  ],
};

const API_PREFIXES = ["/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"];
const ARTIFACTS_PREFIX = "/api/2.0/mlflow-artifacts/";

/** True for every path the MLflow-compatible server answers. */
export function isMlflowPath(pathname: string): boolean {
  return (
    API_PREFIXES.some((p) => pathname.startsWith(p)) ||
    pathname.startsWith(ARTIFACTS_PREFIX) ||
    pathname === "/health" ||
    pathname === "/version" ||
    pathname === "/get-artifact"
  );
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = toMlflowJson(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, err: unknown): void {
  if (err instanceof MlflowError) return sendJson(res, err.httpStatus, { error_code: err.errorCode, message: err.message });
  if (err instanceof SearchSyntaxError || err instanceof PageTokenError) {
    return sendJson(res, 400, { error_code: "INVALID_PARAMETER_VALUE", message: err.message });
  }
  console.error("[isobar] MLflow API request failed:", err);
  sendJson(res, 500, { error_code: "INTERNAL_ERROR", message: `Internal error: ${(err as Error).message ?? String(err)}` });
}

async function readJsonBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.bodyBytes) throw invalidParameter(`Request body is larger than ${LIMITS.bodyBytes} bytes; split the batch into smaller requests`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) return {};
  try {
    // Python's json module writes bare NaN / Infinity for metric values, which JSON.parse rejects;
    // JSON5 accepts them but is several times slower, so it is only the fallback.
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = JSON5.parse(text);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("the body must be a JSON object");
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new MlflowError("BAD_REQUEST", `Malformed JSON request body: ${(err as Error).message}`);
  }
}

function queryObject(url: URL, arrayFields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    out[key] = arrayFields.includes(key) ? values : values[values.length - 1];
  }
  return out;
}

function validationError(endpoint: string, error: z.ZodError): MlflowError {
  const issue = error.issues[0];
  const field = issue.path.join(".") || "(request)";
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return invalidParameter(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);
  }
  return invalidParameter(`Invalid value ${JSON.stringify(issue.input)} for parameter '${field}' supplied: ${issue.message} (endpoint ${endpoint})`);
}

async function handleApi(endpoint: string, req: http.IncomingMessage, url: URL, services: Services): Promise<unknown> {
  const routes = ROUTES[endpoint];
  if (!routes) throw new MlflowError("ENDPOINT_NOT_FOUND", `No API endpoint ${req.method} ${url.pathname}`);
  const r = routes.find((x) => x.method === req.method);
  if (!r) throw new MlflowError("ENDPOINT_NOT_FOUND", `${req.method} is not supported for ${url.pathname}; use ${routes.map((x) => x.method).join(" or ")}`);
  const raw = req.method === "GET" ? queryObject(url, ["run_ids", "experiment_ids", "order_by"]) : await readJsonBody(req);
  const parsed = r.schema.safeParse(raw);
  if (!parsed.success) throw validationError(endpoint, parsed.error);
  return r.handler(parsed.data as Record<string, unknown>, services);
}

async function handleArtifacts(req: http.IncomingMessage, res: http.ServerResponse, url: URL, services: Services): Promise<void> {
  const root = artifactRoot(services.env.home);
  const rest = url.pathname.slice(ARTIFACTS_PREFIX.length);
  if (rest.startsWith("mpu/")) {
    throw new MlflowError("NOT_IMPLEMENTED", "Multipart upload is not supported for the current artifact repository");
  }
  if (rest === "artifacts" && req.method === "GET") {
    const rel = safeRelative(url.searchParams.get("path") ?? "");
    const files = listDirectory(path.join(root, rel), "");
    return sendJson(res, 200, files.length ? { files } : {});
  }
  if (!rest.startsWith("artifacts/")) throw new MlflowError("ENDPOINT_NOT_FOUND", `No artifact endpoint ${req.method} ${url.pathname}`);
  const rel = decodeURIComponent(rest.slice("artifacts/".length));
  switch (req.method) {
    case "GET":
      return streamFile(res, fileForDownload(root, rel));
    case "PUT":
      await writeUpload(root, rel, req);
      return sendJson(res, 200, {});
    case "DELETE":
      deleteArtifact(root, rel);
      return sendJson(res, 200, {});
    default:
      throw new MlflowError("ENDPOINT_NOT_FOUND", `${req.method} is not supported for artifacts`);
  }
}

function streamFile(res: http.ServerResponse, file: string): void {
  const size = fs.statSync(file).size;
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
  fs.createReadStream(file).pipe(res);
}

/**
 * With ISOBAR_AUTH=on: reads need a reader or writer token, writes a writer token
 * (`Authorization: Bearer <token>`, as MLFLOW_TRACKING_TOKEN makes the MLflow client send).
 */
async function authorize(req: http.IncomingMessage, services: Services): Promise<void> {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    throw new MlflowError("UNAUTHENTICATED", "This server requires a token: send 'Authorization: Bearer <token>' (set MLFLOW_TRACKING_TOKEN); create one with 'isobar tokens create'");
  }
  const role = await roleOfToken(services.storage.db, match[1]);
  if (!role) throw new MlflowError("UNAUTHENTICATED", "The bearer token is unknown or revoked");
  const isRead = req.method === "GET" || /\/(search|get|get-by-name|list)$/.test(new URL(req.url ?? "/", "http://x").pathname);
  if (!isRead && role !== "writer") throw new MlflowError("PERMISSION_DENIED", "This token is read-only; writes need a writer token");
}

/** Serve one request on an MLflow path (see isMlflowPath). Always answers JSON errors, never HTML. */
export async function handleMlflowRequest(req: http.IncomingMessage, res: http.ServerResponse, services: Services): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  try {
    if (services.env.auth && url.pathname !== "/health" && url.pathname !== "/version") await authorize(req, services);
    if (url.pathname === "/health") {
      res.writeHead(200, { "content-type": "text/plain" });
      return void res.end("OK");
    }
    if (url.pathname === "/version") {
      res.writeHead(200, { "content-type": "text/plain" });
      return void res.end(ISOBAR_VERSION);
    }
    if (url.pathname === "/get-artifact") {
      const runId = url.searchParams.get("run_id") ?? url.searchParams.get("run_uuid");
      const rel = url.searchParams.get("path");
      if (!runId || !rel) throw invalidParameter("get-artifact needs run_id and path query parameters");
      const run = await runsStore.getRunRow(services.storage.db, runId);
      const dir = localDirForArtifactUri(services.env.home, run.artifactUri);
      if (!dir) throw new MlflowError("NOT_IMPLEMENTED", `Artifacts of run ${runId} are stored at ${run.artifactUri}, which this server does not serve`);
      return streamFile(res, fileForDownload(dir, rel));
    }
    if (url.pathname.startsWith(ARTIFACTS_PREFIX)) return await handleArtifacts(req, res, url, services);
    if (url.pathname === "/api/2.0/mlflow/logged-models/search" || url.pathname === "/ajax-api/2.0/mlflow/logged-models/search") {
      return sendJson(res, 200, { models: [] });
    }
    const prefix = API_PREFIXES.find((p) => url.pathname.startsWith(p))!;
    const body = await handleApi(url.pathname.slice(prefix.length), req, url, services);
    sendJson(res, 200, body);
  } catch (err) {
    if (!res.headersSent) sendError(res, err);
    else res.destroy(err as Error);
  }
}
