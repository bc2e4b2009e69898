/** A minimal MLflow REST client for protocol tests: raw requests, raw answers. */
export type MlflowResponse = { status: number; body: Record<string, unknown>; text: string };

export function mlflowClient(baseUrl: string, prefix = "/api/2.0/mlflow") {
  async function call(method: string, endpoint: string, payload?: Record<string, unknown> | string, query?: Record<string, string | string[]>): Promise<MlflowResponse> {
    const url = new URL(`${baseUrl}${prefix}/${endpoint}`);
    for (const [k, v] of Object.entries(query ?? {})) for (const x of Array.isArray(v) ? v : [v]) url.searchParams.append(k, x);
    const res = await fetch(url, {
      method,
      headers: payload === undefined ? {} : { "content-type": "application/json" },
      body: payload === undefined ? undefined : typeof payload === "string" ? payload : JSON.stringify(payload),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
    return { status: res.status, body, text };
  }
  return {
    post: (endpoint: string, payload: Record<string, unknown> | string) => call("POST", endpoint, payload),
    get: (endpoint: string, query: Record<string, string | string[]> = {}) => call("GET", endpoint, undefined, query),
    raw: call,
  };
}
