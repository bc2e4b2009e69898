import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IsobarEnv } from "@/server/env";
import { createIsobarServer, listen } from "@/server/http/server";
import { openServices, type Services } from "@/server/services";
import { mlflowClient, type MlflowResponse } from "../support/mlflow-client";

type Env = { env: IsobarEnv; cleanup(): Promise<void> };

/** Protocol tests of the MLflow tracking API, written from the spec (mlflow-api.md), for either storage mode. */
export function mlflowContract(makeEnv: () => Promise<Env>) {
  let services: Services;
  let server: http.Server;
  let cleanup: () => Promise<void>;
  let url: string;
  let api: ReturnType<typeof mlflowClient>;

  beforeAll(async () => {
    const made = await makeEnv();
    cleanup = made.cleanup;
    services = await openServices(made.env, { command: "vitest", runWorkers: false, supervise: false });
    server = createIsobarServer(services, null);
    url = await listen(server, 0, "127.0.0.1");
    api = mlflowClient(url);
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await services?.close();
    await cleanup?.();
  });

  const ok = (r: MlflowResponse) => {
    expect(r.status, r.text).toBe(200);
    return r;
  };

  describe("side routes", () => {
    it("answers /health with exactly OK and /version with the version", async () => {
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe("OK");
      expect(await (await fetch(`${url}/version`)).text()).toMatch(/^\d+\.\d+\.\d+/);
    });
    it("answers logged-models/search with an empty list and unknown endpoints with a JSON 404", async () => {
      expect(ok(await api.post("logged-models/search", {})).body).toEqual({ models: [] });
      const r = await api.get("no/such/endpoint");
      expect(r.status).toBe(404);
      expect(r.body.error_code).toBe("ENDPOINT_NOT_FOUND");
    });
  });

  describe("experiments", () => {
    it("has the Default experiment 0", async () => {
      const r = ok(await api.get("experiments/get", { experiment_id: "0" }));
      expect(r.body.experiment).toMatchObject({ experiment_id: "0", name: "Default", lifecycle_stage: "active", artifact_location: "mlflow-artifacts:/0" });
    });

    it("creates, gets by id and name, and refuses a duplicate name with 400 RESOURCE_ALREADY_EXISTS", async () => {
      const created = ok(await api.post("experiments/create", { name: "exp-a", tags: [{ key: "team", value: "ml" }] }));
      const id = created.body.experiment_id as string;
      expect(typeof id).toBe("string");
      const got = ok(await api.get("experiments/get", { experiment_id: id })).body.experiment as Record<string, unknown>;
      expect(got).toMatchObject({ experiment_id: id, name: "exp-a", artifact_location: `mlflow-artifacts:/${id}`, lifecycle_stage: "active", tags: [{ key: "team", value: "ml" }] });
      expect(typeof got.creation_time).toBe("number");
      const byName = ok(await api.get("experiments/get-by-name", { experiment_name: "exp-a" }));
      expect((byName.body.experiment as { experiment_id: string }).experiment_id).toBe(id);
      const dup = await api.post("experiments/create", { name: "exp-a" });
      expect(dup.status).toBe(400);
      expect(dup.body).toEqual({ error_code: "RESOURCE_ALREADY_EXISTS", message: "Experiment(name=exp-a) already exists." });
    });

    it("answers get-by-name for an unknown name with 404 RESOURCE_DOES_NOT_EXIST (so clients create it)", async () => {
      const r = await api.get("experiments/get-by-name", { experiment_name: "nope" });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error_code: "RESOURCE_DOES_NOT_EXIST", message: "Could not find experiment with name 'nope'" });
    });

    it("rejects a missing or empty name", async () => {
      const missing = await api.post("experiments/create", {});
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
      });
      expect((await api.post("experiments/create", { name: "" })).body.error_code).toBe("INVALID_PARAMETER_VALUE");
    });

    it("renames, tags, deletes and restores; search honours view_type, filter and order_by", async () => {
      const id = ok(await api.post("experiments/create", { name: "exp-b" })).body.experiment_id as string;
      ok(await api.post("experiments/update", { experiment_id: id, new_name: "exp-b2" }));
      ok(await api.post("experiments/set-experiment-tag", { experiment_id: id, key: "k", value: "v1" }));
      ok(await api.post("experiments/set-experiment-tag", { experiment_id: id, key: "k", value: "v2" }));
      const got = ok(await api.get("experiments/get", { experiment_id: id })).body.experiment as { name: string; tags: unknown[] };
      expect(got.name).toBe("exp-b2");
      expect(got.tags).toEqual([{ key: "k", value: "v2" }]);
      ok(await api.post("experiments/delete-experiment-tag", { experiment_id: id, key: "k" }));
      expect((await api.post("experiments/delete-experiment-tag", { experiment_id: id, key: "k" })).body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");

      const names = async (payload: Record<string, unknown>) =>
        ((ok(await api.post("experiments/search", payload)).body.experiments ?? []) as { name: string }[]).map((e) => e.name);
      expect(await names({ filter: "name = 'exp-b2'" })).toEqual(["exp-b2"]);
      expect(await names({ filter: "name LIKE 'exp-%'", order_by: ["name ASC"] })).toEqual(["exp-a", "exp-b2"]);
      ok(await api.post("experiments/delete", { experiment_id: id }));
      expect(await names({ filter: "name LIKE 'exp-%'", order_by: ["name ASC"] })).toEqual(["exp-a"]);
      expect(await names({ filter: "name LIKE 'exp-%'", view_type: "DELETED_ONLY" })).toEqual(["exp-b2"]);
      expect(await names({ filter: "name LIKE 'exp-%'", view_type: "ALL", order_by: ["name DESC"] })).toEqual(["exp-b2", "exp-a"]);
      const deleted = ok(await api.get("experiments/get", { experiment_id: id })).body.experiment as { lifecycle_stage: string };
      expect(deleted.lifecycle_stage).toBe("deleted");
      ok(await api.post("experiments/restore", { experiment_id: id }));
      expect(await names({ filter: "name = 'exp-b2'" })).toEqual(["exp-b2"]);
      expect((await api.post("experiments/delete", { experiment_id: "0" })).body.error_code).toBe("INVALID_PARAMETER_VALUE");
    });

    it("pages experiment search with an opaque token", async () => {
      for (let i = 0; i < 5; i++) ok(await api.post("experiments/create", { name: `page-${i}` }));
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const r = ok(await api.post("experiments/search", { filter: "name LIKE 'page-%'", max_results: 2, order_by: ["name"], ...(token ? { page_token: token } : {}) }));
        seen.push(...(r.body.experiments as { name: string }[]).map((e) => e.name));
        token = r.body.next_page_token as string | undefined;
      } while (token);
      expect(seen).toEqual(["page-0", "page-1", "page-2", "page-3", "page-4"]);
      const bad = await api.post("experiments/search", { page_token: "!!!" });
      expect(bad.status).toBe(400);
      expect(bad.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    });
  });

  describe("runs", () => {
    let expId: string;
    beforeAll(async () => {
      expId = ok(await api.post("experiments/create", { name: "runs-exp" })).body.experiment_id as string;
    });

    const createRun = async (extra: Record<string, unknown> = {}) =>
      (ok(await api.post("runs/create", { experiment_id: expId, start_time: 1_700_000_000_000, ...extra })).body.run as { info: Record<string, unknown> }).info;

    it("creates a run with its name in the mlflow.runName tag and an mlflow-artifacts URI", async () => {
      const r = ok(await api.post("runs/create", { experiment_id: expId, run_name: "first", start_time: 1_700_000_000_000, tags: [{ key: "projectName", value: "isobar" }] }));
      const run = r.body.run as { info: Record<string, unknown>; data: { tags: unknown[]; metrics: unknown[]; params: unknown[] }; inputs: unknown };
      const id = run.info.run_id as string;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(run.info).toEqual({
        run_id: id,
        run_uuid: id,
        run_name: "first",
        experiment_id: expId,
        user_id: "",
        status: "RUNNING",
        start_time: 1_700_000_000_000,
        artifact_uri: `mlflow-artifacts:/${expId}/${id}/artifacts`,
        lifecycle_stage: "active",
      });
      expect(run.data.tags).toEqual([
        { key: "mlflow.runName", value: "first" },
        { key: "projectName", value: "isobar" },
      ]);
      expect(run.inputs).toEqual({ dataset_inputs: [] });
      const generated = await createRun();
      expect(generated.run_name).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
    });

    it("logs params immutably: same value is a no-op, a different value or a duplicate key in a batch is rejected", async () => {
      const id = (await createRun()).run_id as string;
      ok(await api.post("runs/log-parameter", { run_id: id, key: "lr", value: "0.001" }));
      ok(await api.post("runs/log-parameter", { run_id: id, key: "lr", value: "0.001" }));
      const changed = await api.post("runs/log-parameter", { run_id: id, key: "lr", value: "0.01" });
      expect(changed.status).toBe(400);
      expect(changed.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      expect(changed.body.message).toContain("Changing param values is not allowed");
      const dup = await api.post("runs/log-batch", { run_id: id, params: [{ key: "a", value: "1" }, { key: "a", value: "1" }] });
      expect(dup.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      expect(dup.body.message).toContain("Duplicate parameter keys have been submitted: ['a']");
      // The rejected batch wrote nothing.
      const run = ok(await api.get("runs/get", { run_id: id })).body.run as { data: { params: unknown[] } };
      expect(run.data.params).toEqual([{ key: "lr", value: "0.001" }]);
    });

    it("logs metrics with NaN/±Inf, keeps full history, dedupes identical rows, and reports the latest value", async () => {
      const id = (await createRun()).run_id as string;
      // Python's json module writes bare NaN / Infinity: accept them.
      ok(await api.post("runs/log-batch", `{"run_id": "${id}", "metrics": [
        {"key": "loss", "value": 3.0, "timestamp": 1000, "step": 0},
        {"key": "loss", "value": 2.0, "timestamp": 2000, "step": 1},
        {"key": "loss", "value": NaN, "timestamp": 3000, "step": 2},
        {"key": "inf", "value": Infinity, "timestamp": 1000, "step": 0},
        {"key": "ninf", "value": -Infinity, "timestamp": 1000, "step": 0}]}`));
      ok(await api.post("runs/log-metric", { run_id: id, key: "loss", value: 1.5, timestamp: 4000, step: 3 }));
      ok(await api.post("runs/log-metric", { run_id: id, key: "loss", value: 1.5, timestamp: 4000, step: 3 })); // identical row: no-op
      ok(await api.post("runs/log-metric", { run_id: id, key: "loss", value: "1.25", timestamp: "3500", step: "4" })); // proto3 JSON strings
      const hist = ok(await api.get("metrics/get-history", { run_id: id, metric_key: "loss" }));
      expect(hist.text).toContain('"value":"NaN"');
      expect((hist.body.metrics as { value: unknown; step: number }[]).map((m) => [m.step, m.value])).toEqual([
        [0, 3],
        [1, 2],
        [2, "NaN"],
        [3, 1.5],
        [4, 1.25],
      ]);
      const run = ok(await api.get("runs/get", { run_id: id })).body.run as { data: { metrics: { key: string; value: unknown; step: number; timestamp: number }[] } };
      expect(run.data.metrics).toEqual([
        { key: "inf", value: "Infinity", timestamp: 1000, step: 0 },
        { key: "loss", value: 1.5, timestamp: 4000, step: 3 }, // latest timestamp wins over the higher step
        { key: "ninf", value: "-Infinity", timestamp: 1000, step: 0 },
      ]);
    });

    it("pages metric history and validates limits", async () => {
      const id = (await createRun()).run_id as string;
      const metrics = Array.from({ length: 25 }, (_, i) => ({ key: "m", value: i, timestamp: 1000 + i, step: i }));
      ok(await api.post("runs/log-batch", { run_id: id, metrics }));
      const steps: number[] = [];
      let token: string | undefined;
      do {
        const r = ok(await api.get("metrics/get-history", { run_id: id, metric_key: "m", max_results: "10", ...(token ? { page_token: token } : {}) }));
        steps.push(...(r.body.metrics as { step: number }[]).map((m) => m.step));
        token = r.body.next_page_token as string | undefined;
      } while (token);
      expect(steps).toEqual(Array.from({ length: 25 }, (_, i) => i));

      const tooMany = await api.post("runs/log-batch", { run_id: id, metrics: Array.from({ length: 1001 }, (_, i) => ({ key: "x", value: 1, timestamp: 1, step: i })) });
      expect(tooMany.body).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: "A batch logging request can contain at most 1000 metrics. Got 1001 metrics." });
      const tooManyParams = await api.post("runs/log-batch", { run_id: id, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "1" })) });
      expect(tooManyParams.body.message).toBe("A batch logging request can contain at most 100 params. Got 101 params.");
      const longKey = await api.post("runs/log-metric", { run_id: id, key: "k".repeat(251), value: 1, timestamp: 1 });
      expect(longKey.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      const badKey = await api.post("runs/log-metric", { run_id: id, key: "../etc", value: 1, timestamp: 1 });
      expect(badKey.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      const longParam = await api.post("runs/log-parameter", { run_id: id, key: "big", value: "x".repeat(6001) });
      expect(longParam.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      ok(await api.post("runs/log-parameter", { run_id: id, key: "big", value: "x".repeat(6000) }));
      const huge = await api.post("runs/log-batch", JSON.stringify({ run_id: id, tags: [{ key: "t", value: "y".repeat(1_000_001) }] }));
      expect(huge.status).toBe(400);
      expect(huge.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      const malformed = await api.post("runs/log-batch", "{not json");
      expect(malformed.status).toBe(400);
      expect(malformed.body.error_code).toBe("BAD_REQUEST");
    });

    it("sets and deletes tags (last write wins), updates, deletes and restores runs", async () => {
      const id = (await createRun({ run_name: "tagged" })).run_id as string;
      ok(await api.post("runs/set-tag", { run_id: id, key: "note", value: "a" }));
      ok(await api.post("runs/log-batch", { run_id: id, tags: [{ key: "note", value: "b" }, { key: "note", value: "c" }] }));
      ok(await api.post("runs/set-tag", { run_uuid: id, key: "mlflow.runName", value: "renamed" }));
      let run = ok(await api.get("runs/get", { run_id: id })).body.run as { info: { run_name: string }; data: { tags: { key: string; value: string }[] } };
      expect(run.info.run_name).toBe("renamed");
      expect(run.data.tags.find((t) => t.key === "note")?.value).toBe("c");
      ok(await api.post("runs/delete-tag", { run_id: id, key: "note" }));
      expect((await api.post("runs/delete-tag", { run_id: id, key: "note" })).body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
      const updated = ok(await api.post("runs/update", { run_id: id, status: "FINISHED", end_time: 1_700_000_100_000, run_name: "final" }));
      expect(updated.body.run_info).toMatchObject({ status: "FINISHED", end_time: 1_700_000_100_000, run_name: "final" });
      expect((await api.post("runs/update", { run_id: id, status: "DONE" })).body.error_code).toBe("INVALID_PARAMETER_VALUE");
      ok(await api.post("runs/delete", { run_id: id }));
      run = ok(await api.get("runs/get", { run_id: id })).body.run as typeof run;
      expect((run as unknown as { info: { lifecycle_stage: string } }).info.lifecycle_stage).toBe("deleted");
      const logDeleted = await api.post("runs/log-metric", { run_id: id, key: "m", value: 1, timestamp: 1 });
      expect(logDeleted.body).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: `The run ${id} must be in the 'active' state. Current state is deleted.` });
      ok(await api.post("runs/restore", { run_id: id }));
      const missing = await api.get("runs/get", { run_id: "0123456789abcdef0123456789abcdef" });
      expect(missing.status).toBe(404);
      expect(missing.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
      expect((await api.get("runs/get", {})).body.message).toBe("Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
    });

    it("logs dataset inputs", async () => {
      const id = (await createRun()).run_id as string;
      ok(await api.post("runs/log-inputs", { run_id: id, datasets: [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset: { name: "era5-o96", digest: "abc123", source_type: "local", source: "/data/era5.zarr" } }] }));
      const run = ok(await api.get("runs/get", { run_id: id })).body.run as { inputs: unknown };
      expect(run.inputs).toEqual({
        dataset_inputs: [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset: { name: "era5-o96", digest: "abc123", source_type: "local", source: "/data/era5.zarr" } }],
      });
    });
  });

  describe("runs/search", () => {
    let expId: string;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      expId = ok(await api.post("experiments/create", { name: "search-exp" })).body.experiment_id as string;
      const specs = [
        { name: "r1", lr: "0.1", rmse: 3, start: 1000, tag: "gnn" },
        { name: "r2", lr: "0.01", rmse: 1, start: 2000, tag: "transformer" },
        { name: "r3", lr: "0.001", rmse: 2, start: 3000, tag: "gnn" },
        { name: "r4", lr: "0.01", rmse: null, start: 4000, tag: "mlp" },
      ];
      for (const s of specs) {
        const info = (ok(await api.post("runs/create", { experiment_id: expId, run_name: s.name, start_time: s.start, tags: [{ key: "model", value: s.tag }] })).body.run as { info: { run_id: string } }).info;
        ids[s.name] = info.run_id;
        ok(await api.post("runs/log-batch", {
          run_id: info.run_id,
          params: [{ key: "lr", value: s.lr }],
          metrics: s.rmse === null ? [] : [{ key: "val_mse_metric/sfc_2t/1", value: s.rmse, timestamp: 1, step: 1 }],
        }));
      }
    });
    const search = async (payload: Record<string, unknown>) => {
      const r = ok(await api.post("runs/search", { experiment_ids: [expId], ...payload }));
      return ((r.body.runs ?? []) as { info: { run_name: string } }[]).map((x) => x.info.run_name);
    };

    it("defaults to start_time DESC", async () => {
      expect(await search({})).toEqual(["r4", "r3", "r2", "r1"]);
    });
    it("filters by metric with a quoted key, param, tag and attributes (AND)", async () => {
      expect(await search({ filter: 'metrics."val_mse_metric/sfc_2t/1" < 2.5' })).toEqual(["r3", "r2"]);
      expect(await search({ filter: "metrics.`val_mse_metric/sfc_2t/1` >= 2 and params.lr != '0.1'" })).toEqual(["r3"]);
      expect(await search({ filter: "params.lr = '0.01'" })).toEqual(["r4", "r2"]);
      expect(await search({ filter: "tags.model LIKE 'g%'" })).toEqual(["r3", "r1"]);
      expect(await search({ filter: "tags.model ILIKE 'GNN'" })).toEqual(["r3", "r1"]);
      expect(await search({ filter: "attributes.start_time > 1500 AND attributes.start_time <= 3000" })).toEqual(["r3", "r2"]);
      expect(await search({ filter: `attributes.run_id IN ('${ids.r1}', '${ids.r4}')` })).toEqual(["r4", "r1"]);
      expect(await search({ filter: "attributes.run_name = 'r2'" })).toEqual(["r2"]);
      expect(await search({ filter: "attributes.status = 'RUNNING'" })).toEqual(["r4", "r3", "r2", "r1"]);
    });
    it("orders by metric (missing last), param and attribute", async () => {
      expect(await search({ order_by: ["metrics.`val_mse_metric/sfc_2t/1` ASC"] })).toEqual(["r2", "r3", "r1", "r4"]);
      expect(await search({ order_by: ["metrics.`val_mse_metric/sfc_2t/1` DESC"] })).toEqual(["r1", "r3", "r2", "r4"]);
      expect(await search({ order_by: ["params.lr ASC", "attributes.start_time ASC"] })).toEqual(["r3", "r2", "r4", "r1"]);
      expect(await search({ order_by: ["attributes.start_time"] })).toEqual(["r1", "r2", "r3", "r4"]);
    });
    it("orders metrics as MLflow does: numbers (±Inf included) in either direction, then NaN, then missing; pages stay stable", async () => {
      const exp = ok(await api.post("experiments/create", { name: "search-nan-order" })).body.experiment_id as string;
      // name → latest `score` (null: never logged). Equal start times, so ties fall back to run_id.
      const specs: [string, string | null][] = [["a", "2"], ["b", "NaN"], ["c", null], ["d", "-Infinity"], ["e", "Infinity"], ["f", "2"], ["g", "0.5"]];
      for (const [name, value] of specs) {
        const id = ((ok(await api.post("runs/create", { experiment_id: exp, run_name: name, start_time: 5000 })).body.run as { info: { run_id: string } }).info.run_id);
        ids[name] = id;
        ok(await api.post("runs/log-batch", `{"run_id": "${id}", "metrics": [{"key": "other", "value": 1, "timestamp": 1, "step": 0}${value === null ? "" : `, {"key": "score", "value": ${value}, "timestamp": 1, "step": 0}`}]}`));
      }
      const tie = (x: string, y: string) => (ids[x] < ids[y] ? [x, y] : [y, x]); // a and f both score 2: run_id ascending
      const ordered = async (order: string, maxResults = 1000) => {
        const names: string[] = [];
        let token: string | undefined;
        do {
          const r = ok(await api.post("runs/search", { experiment_ids: [exp], order_by: [order], max_results: maxResults, ...(token ? { page_token: token } : {}) }));
          names.push(...((r.body.runs ?? []) as { info: { run_name: string } }[]).map((x) => x.info.run_name));
          token = r.body.next_page_token as string | undefined;
        } while (token);
        return names;
      };
      const asc = ["d", "g", ...tie("a", "f"), "e", "b", "c"];
      const descending = ["e", ...tie("a", "f"), "g", "d", "b", "c"];
      expect(await ordered("metrics.score ASC")).toEqual(asc);
      expect(await ordered("metrics.score DESC")).toEqual(descending);
      expect(await ordered("metrics.score DESC", 2)).toEqual(descending); // pages of 2 give the same sequence
      expect(await ordered("metrics.score ASC", 3)).toEqual(asc);
      // Two clauses on the key it is ordered by (one join serves all three).
      const r = ok(await api.post("runs/search", { experiment_ids: [exp], filter: "metrics.score > 0 and metrics.score < 3", order_by: ["metrics.score DESC"] }));
      expect((r.body.runs as { info: { run_name: string } }[]).map((x) => x.info.run_name)).toEqual([...tie("a", "f"), "g"]);
    });
    it("pages with next_page_token", async () => {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const r = ok(await api.post("runs/search", { experiment_ids: [expId], max_results: 3, ...(token ? { page_token: token } : {}) }));
        names.push(...(r.body.runs as { info: { run_name: string } }[]).map((x) => x.info.run_name));
        token = r.body.next_page_token as string | undefined;
      } while (token);
      expect(names).toEqual(["r4", "r3", "r2", "r1"]);
    });
    it("rejects a bad filter with 400 pointing at the offending token, never a 500", async () => {
      const r = await api.post("runs/search", { experiment_ids: [expId], filter: "metrics.rmse foo 1" });
      expect(r.status).toBe(400);
      expect(r.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      expect(r.body.message).toMatch(/column 14/);
      for (const filter of ["params.lr > 1", "metrics.x = 'a'", "a.b.c", "metrics.x < 1 OR metrics.y > 2", "'; drop table runs; --", "tags.`x = 1"]) {
        const bad = await api.post("runs/search", { experiment_ids: [expId], filter });
        expect(bad.status, filter).toBe(400);
        expect(bad.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      }
      expect(await search({})).toHaveLength(4); // still intact
      const badOrder = await api.post("runs/search", { experiment_ids: [expId], order_by: ["metrics.x SIDEWAYS"] });
      expect(badOrder.status).toBe(400);
    });
    it("also works under /ajax-api and via GET", async () => {
      const ajax = mlflowClient(url, "/ajax-api/2.0/mlflow");
      const r = ok(await ajax.get("runs/search", { experiment_ids: expId, filter: "params.lr = '0.1'" }));
      expect((r.body.runs as { info: { run_name: string } }[]).map((x) => x.info.run_name)).toEqual(["r1"]);
    });
    it("samples histories with get-history-bulk-interval", async () => {
      const id = ids.r1;
      ok(await api.post("runs/log-batch", { run_id: id, metrics: Array.from({ length: 1000 }, (_, i) => ({ key: "loss", value: 1000 - i, timestamp: 10 + i, step: i })) }));
      const r = ok(await api.get("metrics/get-history-bulk-interval", { run_ids: [id, ids.r2], metric_key: "loss", max_results: "10" }));
      const pts = r.body.metrics as { step: number; run_id: string; value: number }[];
      expect(pts.length).toBeLessThanOrEqual(10);
      expect(pts.length).toBeGreaterThanOrEqual(9);
      expect(pts[0]).toMatchObject({ step: 0, run_id: id, value: 1000, key: "loss" });
      expect(pts[pts.length - 1]).toMatchObject({ step: 999, value: 1 });
      const tooMany = await api.get("metrics/get-history-bulk-interval", { run_ids: Array.from({ length: 101 }, (_, i) => `r${i}`), metric_key: "loss" });
      expect(tooMany.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    });
  });

  describe("artifacts", () => {
    it("uploads through the proxy, lists per run and downloads; rejects path escapes", async () => {
      const exp = ok(await api.post("experiments/create", { name: "art-exp" })).body.experiment_id as string;
      const info = (ok(await api.post("runs/create", { experiment_id: exp })).body.run as { info: { run_id: string; artifact_uri: string } }).info;
      const base = `${url}/api/2.0/mlflow-artifacts/artifacts/${info.artifact_uri.replace("mlflow-artifacts:/", "")}`;
      const config = JSON.stringify({ training: { lr: 0.001 } });
      expect((await fetch(`${base}/config.json`, { method: "PUT", body: config, headers: { "content-type": "application/json" } })).status).toBe(200);
      expect((await fetch(`${base}/plots/loss_epoch001.jpg`, { method: "PUT", body: new Uint8Array([1, 2, 3]) })).status).toBe(200);
      const list = ok(await api.get("artifacts/list", { run_id: info.run_id }));
      expect(list.body).toEqual({
        root_uri: info.artifact_uri,
        files: [
          { path: "config.json", is_dir: false, file_size: config.length },
          { path: "plots", is_dir: true },
        ],
      });
      const sub = ok(await api.get("artifacts/list", { run_id: info.run_id, path: "plots" }));
      expect(sub.body.files).toEqual([{ path: "plots/loss_epoch001.jpg", is_dir: false, file_size: 3 }]);
      expect(await (await fetch(`${base}/config.json`)).text()).toBe(config);
      expect(await (await fetch(`${url}/get-artifact?run_id=${info.run_id}&path=config.json`)).text()).toBe(config);
      const proxyList = await (await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts?path=${exp}/${info.run_id}/artifacts/plots`)).json();
      expect(proxyList).toEqual({ files: [{ path: "loss_epoch001.jpg", is_dir: false, file_size: 3 }] });
      const escape = await fetch(`${base}/../../../../etc/passwd`.replace(/\.\.\//g, "%2E%2E/"));
      expect(escape.status).toBeGreaterThanOrEqual(400);
      expect((await fetch(`${base}/plots/loss_epoch001.jpg`, { method: "DELETE" })).status).toBe(200);
      expect((await fetch(`${base}/plots/loss_epoch001.jpg`)).status).toBe(404);
      const mpu = await fetch(`${url}/api/2.0/mlflow-artifacts/mpu/create/${exp}/x`, { method: "POST", body: "{}" });
      expect(mpu.status).toBe(501);
      expect(((await mpu.json()) as { message: string }).message).toMatch(/^Multipart upload is not supported/);
    });
  });
}
