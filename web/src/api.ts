// The HTTP API as the UI uses it (docs/api.md). Every call is same-origin under /api/v1.
// Sign-in is either a bearer token (kept in sessionStorage, sent as Authorization) or a session
// cookie from POST /api/v1/session (HttpOnly: the page never sees it); state-changing calls carry
// X-Flowline-Request: 1, which the server requires of cookie sessions.

const TOKEN_KEY = "flowline.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { "X-Flowline-Request": "1", ...extra };
  const token = storedToken();
  if (token) out["Authorization"] = `Bearer ${token}`;
  return out;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, code, message);
}

let onUnauthenticated: (() => void) | null = null;
// Called when the server answers 401 to a signed-in call (expired session, revoked token).
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: headers(), credentials: "same-origin" };
  if (body !== undefined) {
    init.headers = headers({ "Content-Type": "application/json" });
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/api/v1${path}`, init);
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && onUnauthenticated) onUnauthenticated();
    throw error;
  }
  return (await response.json()) as T;
}

function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// ---- types (the JSON the server sends; see src/server/json_views.cc) ----

export type Role = "viewer" | "reviewer" | "operator" | "admin";

export interface Session {
  user: string;
  role: Role | null; // null: the server did not say (an older server, token sign-in)
  via: "token" | "password";
}

export interface Evidence {
  page: number;
  box: [number, number, number, number];
  text?: string;
}

export interface ExtractedField {
  value: string | null;
  normalized: string | null;
  confidence: number;
  evidence: Evidence | null;
}

export interface Task {
  task_id: string;
  run_id: string;
  step_id: string;
  workflow: string;
  queue: string;
  title: string;
  priority: number;
  status: "open" | "claimed" | "resolved" | "cancelled";
  payload: TaskPayload | null;
  created_at: string;
  due_at: string | null;
  claimed_by: string | null;
  claim_expires_at: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  decision: string | null;
  resolution: unknown;
  // Four-eyes and escalation (absent on servers without them): a four-eyes task's first
  // decision is recorded, and a second, different person finishes it.
  four_eyes?: boolean;
  first_decision_by?: string | null;
  first_decision?: { decision?: string; at?: string; data?: unknown; comment?: string } | null;
  escalated_at?: string | null;
}

export interface TaskPayload {
  data?: {
    fields?: Record<string, ExtractedField>;
    checks?: Array<{ name: string; passed: boolean; message?: string }>;
    document?: string;
    [key: string]: unknown;
  };
  reasons?: unknown[];
  instructions?: string;
  decisions?: string[];
  [key: string]: unknown;
}

export interface RunSummary {
  run_id: string;
  workflow: string;
  version: string;
  business_key: string | null;
  status: string;
  error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface StepState {
  step_id: string;
  status: string;
  attempt: number;
  started_at: string | null;
  finished_at: string | null;
  available_at: string | null;
  duration_ms: number;
  params: unknown;
  output: any;
  confidence: number | null;
  error: string | null;
  task_id: string | null;
}

export interface RunRecord {
  seq: number;
  step_id: string | null;
  kind: string;
  actor: string;
  at: string;
  payload: any;
}

export interface Run extends RunSummary {
  input: unknown;
  output: unknown;
  steps: StepState[];
  records: RunRecord[];
}

export interface WorkflowSummary {
  workflow: string;
  live_version: string;
  updated_at: string;
  paused?: boolean;
  shadow_version?: string | null;
  canary_version?: string | null;
  canary_share?: number | null;
}

export type VersionStage = "draft" | "shadow" | "live" | "retired";

// The shadow version's comparison with live (GET /api/v1/workflows/{name}/shadow;
// docs/releases.md).
export interface ShadowReport {
  workflow: string;
  live_version: string;
  shadow_version: string;
  current_shadow: boolean;
  pairs: number;
  agreeing: number;
  agreement: number | null;
  fields: Array<{ field: string; compared: number; equal: number; agreement: number | null }>;
  routing: { both_straight_through: number; both_person: number; differ: number; one_side_only: number };
  disagreements: Array<{
    live_run_id: string;
    shadow_run_id: string;
    key: string;
    live_routing: string;
    shadow_routing: string;
    fields: Array<{ field: string; live: unknown; shadow: unknown }>;
  }>;
}

export interface WorkflowStep {
  id: string;
  uses: string;
  actor: "ai" | "system" | "human";
  needs?: string[];
  when?: string;
}

export interface Workflow extends WorkflowSummary {
  description?: string;
  shown_version?: string; // whose spec, steps and triggers these are
  spec?: string;
  source_name?: string;
  versions: Array<{ version: string; source_name: string; deployed_at: string; live: boolean; stage?: VersionStage }>;
  steps?: WorkflowStep[];
  triggers?: Array<{ type: string; id: string; with: Record<string, unknown>; path?: string; signed?: boolean }>;
}

// Measures (GET /api/v1/workflows/{name}/measures; docs/measures.md defines each figure).
export interface Proportion {
  n: number;
  correct: number;
  accuracy: number | null;
  low: number | null;
  high: number | null;
}

export interface Distribution {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface MeasureBucket {
  start: string;
  runs: { started: number; completed: number; failed: number; rejected: number; finished: number; automated: number };
  straight_through_rate: number | null;
  exceptions: { tasks: number; escalated: number; by_reason: Record<string, number> };
  handling: { decisions: number; working_minutes: number; working_seconds: Distribution };
  accuracy: {
    reviewed_fields: Proportion;
    reviewed_cases: Proportion;
    audit_fields: Proportion;
    audit_cases: Proportion;
  };
  latency_seconds: { run: Distribution; automated: Distribution };
  cost: { model: number; human: number; total: number } | null;
  time_saved_minutes: number | null;
}

export interface Measures {
  workflow: string;
  granularity: "minute" | "hour" | "day";
  from: string;
  until: string;
  currency?: string;
  buckets: MeasureBucket[];
  totals: MeasureBucket;
  notes: string[];
}

export interface DriftReport {
  workflow: string;
  version: string;
  checked_at: string;
  windows: { reference: { from: string; until: string }; recent: { from: string; until: string } };
  ready: boolean;
  drifted: number;
  features: DriftFeature[];
}

export interface Alert {
  alert_id: string;
  workflow: string;
  kind: string;
  subject: string;
  status: string; // open | acknowledged | resolved
  summary: string;
  opened_at: string;
  updated_at: string;
  occurrences: number;
  acknowledged_by: string; // "" until someone acknowledges
  resolved_at: string | null;
}

// Drift (GET /api/v1/workflows/{name}/drift): one monitored feature, its test and distributions.
export interface DriftStatisticJson {
  name: string;
  value: number;
  threshold: number | null;
  beyond: boolean;
}

export interface DriftFeature {
  feature: string;
  from: string;
  type: string; // numeric | confidence | categorical | rate
  test: string;
  status: string; // ok | drift | insufficient_data | warming_up
  summary: string;
  statistics: DriftStatisticJson[];
  reference_n: number;
  current_n: number;
  distribution: {
    bins?: Array<{ lower: number | null; upper: number | null; reference: number; current: number }>;
    categories?: Array<{ category: string; reference: number; current: number; new?: boolean }>;
    reference_rate?: number;
    current_rate?: number;
  };
}

export interface DatasetSplit {
  validation_share: number;
  test_share: number;
  seed: number;
}

export interface DatasetSummary {
  name: string;
  description: string;
  workflow: string;
  version: number; // the newest; 0 before the first
  cases?: number;
  created_at: string;
  split: DatasetSplit;
}

export type Counts = Record<string, number>;

export interface DatasetContents {
  version: number;
  cases: number;
  splits: { train: number; validation: number; test: number };
  sources: Counts;
  doc_types: Counts;
  fields: Counts;
  slices: Record<string, Counts>;
}

export interface Dataset extends DatasetSummary {
  versions: Array<{ version: number; cases: number; content_hash: string; note: string; created_at: string }>;
  summary: DatasetContents | null;
}

// Stored evaluations (docs/evaluation.md; GET /api/v1/evaluations).
export interface EvaluationSummary {
  id: string;
  workflow: string;
  version: string;
  dataset: string;
  dataset_version: number;
  split: string;
  created_at: string;
  created_by: string;
  summary: {
    cases: number;
    mean_field_accuracy: number;
    field_accuracy: Record<string, number>;
    target_accuracy: number;
    straight_through: number;
    threshold: number | null;
    workflow_straight_through: number | null;
    cost_per_case: number | null;
    currency: string;
    latency_p50: number | null;
    latency_p95: number | null;
  };
}

export interface EvaluationDetail extends EvaluationSummary {
  report: {
    fields: { field: string; labelled: number; accuracy: number; coverage: number }[];
    calibration?: { ece: number; bins: { low: number; high: number; count: number; mean_confidence: number; accuracy: number }[] };
    curve?: { threshold: number; accuracy: number; accepted_share: number; straight_through: number }[];
    classifier?: { accuracy: number | null; confusion: Record<string, Record<string, number>> };
    slices?: { slice: string; value: string; cases: number; accuracy: number }[];
    errors: { document: string; field: string; label: string; predicted: string | null; confidence: number; evidence?: string; error?: string }[];
  };
}

export interface EvaluationComparison {
  a: { id: string };
  b: { id: string };
  note?: string;
  fields: { field: string; accuracy: { a: number | null; b: number | null; difference: number | null } }[];
  right_to_wrong: { case: string; field: string }[];
  wrong_to_right: { case: string; field: string }[];
}

// ---- calls ----

export const api = {
  // Who the current token or cookie belongs to. Servers without the session endpoint answer 404:
  // the token is then checked against /health and the role is unknown.
  async whoAmI(via: Session["via"]): Promise<Session> {
    try {
      const me = await request<{ user?: string; name?: string; role?: Role }>("GET", "/session");
      return { user: me.user ?? me.name ?? "?", role: me.role ?? null, via };
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 405)) {
        throw error;
      }
      await request("GET", "/health");
      return { user: "", role: null, via };
    }
  },
  signIn(user: string, password: string) {
    return request<{ user: string; role: Role; expires_at: string }>("POST", "/session", {
      user,
      password,
    });
  },
  signOut() {
    return request("DELETE", "/session");
  },
  queues() {
    return request<{
      queues: Array<{ queue: string; open: number; claimed: number; overdue: number }>;
    }>("GET", "/queues");
  },
  tasks(filter: { queue?: string; status?: string; workflow?: string; limit?: number }) {
    return request<{ tasks: Task[] }>("GET", `/tasks${query(filter)}`);
  },
  task(id: string) {
    return request<Task>("GET", `/tasks/${encodeURIComponent(id)}`);
  },
  claim(id: string) {
    return request<Task>("POST", `/tasks/${encodeURIComponent(id)}/claim`, {});
  },
  release(id: string) {
    return request<Task>("POST", `/tasks/${encodeURIComponent(id)}/release`, {});
  },
  resolve(id: string, decision: string, comment: string, data?: Record<string, unknown>) {
    const body: Record<string, unknown> = { decision };
    if (comment) body.comment = comment;
    if (data) body.data = data;
    return request<Task>("POST", `/tasks/${encodeURIComponent(id)}/resolve`, body);
  },
  runs(filter: {
    workflow?: string;
    status?: string;
    version?: string;
    key?: string;
    from?: string;
    until?: string;
    before?: string;
    limit?: number;
  }) {
    return request<{ runs: RunSummary[]; next: string | null }>("GET", `/runs${query(filter)}`);
  },
  run(id: string) {
    return request<Run>("GET", `/runs/${encodeURIComponent(id)}`);
  },
  workflows() {
    return request<{ workflows: WorkflowSummary[] }>("GET", "/workflows");
  },
  datasets() {
    return request<{ datasets: DatasetSummary[] }>("GET", "/datasets");
  },
  // A dataset's versions and what one holds (default: the newest).
  dataset(name: string, version = "") {
    const query = version ? `?version=${encodeURIComponent(version)}` : "";
    return request<Dataset>("GET", `/datasets/${encodeURIComponent(name)}${query}`);
  },
  // The live version's steps, or those of `version` (a hash or a unique prefix).
  workflow(name: string, version = "") {
    const query = version ? `?version=${encodeURIComponent(version)}` : "";
    return request<Workflow>("GET", `/workflows/${encodeURIComponent(name)}${query}`);
  },
  shadow(name: string) {
    return request<ShadowReport>("GET", `/workflows/${encodeURIComponent(name)}/shadow`);
  },
  measures(name: string, params: { granularity: string; version?: string }) {
    return request<Measures>("GET", `/workflows/${encodeURIComponent(name)}/measures${query(params)}`);
  },
  // The latest drift check; null before the first one (the server answers 404).
  async drift(name: string): Promise<DriftReport | null> {
    try {
      return await request<DriftReport>("GET", `/workflows/${encodeURIComponent(name)}/drift`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && e.message.includes("check")) return null;
      throw e;
    }
  },
  checkDrift(name: string) {
    return request<DriftReport>("POST", `/workflows/${encodeURIComponent(name)}/drift/check`, {});
  },
  evaluations(params: { workflow?: string }) {
    return request<{ evaluations: EvaluationSummary[] }>("GET", `/evaluations${query(params)}`);
  },
  evaluation(id: string) {
    return request<EvaluationDetail>("GET", `/evaluations/${encodeURIComponent(id)}`);
  },
  compareEvaluations(a: string, b: string) {
    return request<EvaluationComparison>("GET", `/evaluations/compare${query({ a, b })}`);
  },
  alerts(params: { workflow?: string; status?: string }) {
    return request<{ alerts: Alert[] }>("GET", `/alerts${query(params)}`);
  },
  acknowledgeAlert(id: string) {
    return request<Alert>("POST", `/alerts/${encodeURIComponent(id)}/acknowledge`, {});
  },
  pause(name: string) {
    return request<unknown>("POST", `/workflows/${encodeURIComponent(name)}/pause`, {});
  },
  resume(name: string) {
    return request<unknown>("POST", `/workflows/${encodeURIComponent(name)}/resume`, {});
  },
  // A stored artifact (a page image) as an object URL: <img src> cannot send a bearer token.
  async artifactUrl(ref: string): Promise<string> {
    const response = await fetch(`/api/v1/artifacts/${encodeURIComponent(ref)}`, {
      headers: headers(),
      credentials: "same-origin",
    });
    if (!response.ok) throw await errorOf(response);
    return URL.createObjectURL(await response.blob());
  },
};

// What each role may do: the server's table (docs/api.md), used only to disable buttons; the
// server enforces it whatever the page shows.
export type Permission = "read" | "review" | "deploy" | "start_run" | "manage_tokens";
const ROLE_PERMISSIONS: Record<Role, Permission[]> = {
  viewer: ["read"],
  reviewer: ["read", "review"],
  operator: ["read", "review", "deploy", "start_run"],
  admin: ["read", "review", "deploy", "start_run", "manage_tokens"],
};

export function may(session: Session | null, permission: Permission): boolean {
  if (!session) return false;
  if (session.role === null) return true; // unknown: let the server decide
  return ROLE_PERMISSIONS[session.role].includes(permission);
}

export function rolesWith(permission: Permission): string {
  return (Object.keys(ROLE_PERMISSIONS) as Role[])
    .filter((role) => ROLE_PERMISSIONS[role].includes(permission))
    .join(", ");
}
