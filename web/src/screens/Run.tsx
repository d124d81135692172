// One run: what it is (workflow, version, key, status, input, output) and its timeline — each
// step with actor, status, attempts, duration, model and version, confidence, input and output,
// the routing decision, and who did what (the run's decision records).
import { useEffect, useState } from "preact/hooks";

import { api, Run, RunRecord, StepState, Workflow } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { JsonView } from "../components/JsonView";
import { Link } from "../components/Link";
import {
  confidenceBand,
  formatDuration,
  formatTime,
  percent,
  reasonText,
  shortVersion,
} from "../format";

// "ai:extract" -> "ai"; "human:ann" -> "human".
function actorKind(actor: string): string {
  const colon = actor.indexOf(":");
  return colon < 0 ? actor : actor.slice(0, colon);
}

function stepActor(step: StepState, records: RunRecord[], workflow: Workflow | null): string {
  const declared = workflow?.steps?.find((s) => s.id === step.step_id)?.actor;
  if (declared) return declared;
  const record = records.find(
    (r) => r.step_id === step.step_id && (r.kind.startsWith("step.") || r.kind === "task.opened"),
  );
  return record ? actorKind(record.actor) : "system";
}

// A line for a decision record: what happened and the few facts that matter.
function recordText(record: RunRecord): string {
  const p = record.payload ?? {};
  switch (record.kind) {
    case "task.resolved": {
      const fields = p.data?.fields ? Object.keys(p.data.fields) : [];
      return (
        `${p.decision ?? "resolved"}` +
        (fields.length ? ` (corrected ${fields.join(", ")})` : "") +
        (p.comment ? ` — “${p.comment}”` : "")
      );
    }
    case "task.opened":
      return `task ${p.task_id ?? ""} opened in ${p.queue ?? "a queue"}`;
    case "routing.decided":
    case "run.routed":
      return (
        `${p.routed === "person" ? "to a person" : (p.routed ?? "routed").replace(/_/g, " ")}` +
        (p.four_eyes ? " (four-eyes)" : "") +
        (p.audit_sample ? " (audit sample)" : "") +
        (Array.isArray(p.reasons) && p.reasons.length
          ? `: ${p.reasons.map(reasonText).join("; ")}`
          : "")
      );
    case "step.failed":
    case "step.retry":
      return p.error ?? record.kind;
    case "step.skipped":
      return p.reason ?? "condition false";
    default:
      return p.attempt ? `attempt ${p.attempt}` : "";
  }
}

interface Evaluated {
  kind: string;
  step?: string;
  name?: string;
  fired: boolean;
  values?: unknown;
}

// Every rule the exception policy looked at, whether it fired, and the values it saw.
function RoutingRules({ records }: { records: RunRecord[] }) {
  const routing = records.filter((r) => r.kind === "routing.decided" && Array.isArray(r.payload?.evaluated));
  if (routing.length === 0) return null;
  const evaluated: Evaluated[] = routing[routing.length - 1].payload.evaluated;
  return (
    <details class="json" open={evaluated.some((e) => e.fired)}>
      <summary>
        Rules evaluated <span class="meta">({evaluated.filter((e) => e.fired).length} fired of {evaluated.length})</span>
      </summary>
      <table class="list rules">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Fired</th>
            <th scope="col">Values seen</th>
          </tr>
        </thead>
        <tbody>
          {evaluated.map((e, i) => (
            <tr key={i} class={e.fired ? "fired" : undefined}>
              <td>
                {e.kind.replace(/_/g, " ")}
                {e.step ? ` · ${e.step}` : ""}
                {e.name ? ` · ${e.name}` : ""}
              </td>
              <td>{e.fired ? "yes" : "no"}</td>
              <td>
                <code>{e.values === undefined ? "" : JSON.stringify(e.values)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function routingOf(step: StepState): string | null {
  const output = step.output;
  if (!output || typeof output !== "object") return null;
  if (typeof output.straight_through === "boolean") {
    const reasons = Array.isArray(output.reasons) ? output.reasons.map(reasonText) : [];
    return output.straight_through
      ? "straight through"
      : `to a person: ${reasons.join("; ") || "(no reason given)"}`;
  }
  if (typeof output.routed === "string") {
    const reasons = Array.isArray(output.reasons) ? output.reasons.map(reasonText) : [];
    const where = output.routed === "person" ? "to a person" : output.routed.replace(/_/g, " ");
    return `${where}${reasons.length ? `: ${reasons.join("; ")}` : ""}`;
  }
  return null;
}

export function RunScreen({ runId }: { runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let status = "running";
    const load = () =>
      api
        .run(runId)
        .then((loaded) => {
          status = loaded.status;
          setRun(loaded);
          return loaded;
        })
        .catch((e) => {
          setError(e);
          return null;
        });
    load().then((loaded) => {
      if (loaded) api.workflow(loaded.workflow).then(setWorkflow).catch(() => undefined);
    });
    const timer = setInterval(() => {
      if (status === "running") load();
    }, 5000);
    return () => clearInterval(timer);
  }, [runId]);

  if (error) {
    return (
      <section>
        <h1>Run {runId}</h1>
        <ErrorNote error={error} />
        <Link to="/runs">All runs</Link>
      </section>
    );
  }
  if (!run) return <p class="loading">Loading the run…</p>;

  const runRecords = run.records.filter((r) => !r.step_id);
  return (
    <section aria-labelledby="run-heading">
      <div class="screen-head">
        <div>
          <h1 id="run-heading">Run {run.run_id}</h1>
          <p class="meta">
            <Link to={`/workflows/${run.workflow}`}>{run.workflow}</Link> · version{" "}
            <code title={run.version}>{shortVersion(run.version)}</code>
            {workflow && workflow.live_version === run.version ? " (live)" : ""} · key{" "}
            <span class="key">{run.business_key ?? "–"}</span> · started{" "}
            {formatTime(run.created_at)}
            {run.finished_at ? ` · finished ${formatTime(run.finished_at)}` : ""}
          </p>
        </div>
        <span class={`badge status-${run.status}`} data-testid="run-status">
          {run.status}
        </span>
      </div>
      {run.error ? <p class="error">{run.error}</p> : null}
      <div class="run-io">
        <JsonView label="Input" value={run.input} />
        <JsonView label="Output" value={run.output} />
      </div>
      <h2>Timeline</h2>
      <ol class="timeline">
        {run.steps.map((step) => {
          const actor = stepActor(step, run.records, workflow);
          const records = run.records.filter(
            (r) =>
              r.step_id === step.step_id ||
              (step.task_id !== null && r.payload?.task_id === step.task_id && !r.step_id),
          );
          const model = step.output?.model;
          const routing = routingOf(step);
          return (
            <li key={step.step_id} class={`step actor-${actor}`} data-step={step.step_id}>
              <div class="step-head">
                <span class={`actor-tag actor-${actor}`}>{actor}</span>
                <strong>{step.step_id}</strong>
                <span class={`badge status-${step.status}`}>{step.status}</span>
                <span class="meta">
                  {step.attempt} attempt{step.attempt === 1 ? "" : "s"}
                  {step.duration_ms > 0 ? ` · ${formatDuration(step.duration_ms)}` : ""}
                  {step.started_at ? ` · ${formatTime(step.started_at)}` : ""}
                </span>
                {step.confidence !== null ? (
                  <span class={`confidence band-${confidenceBand(step.confidence)}`}>
                    {percent(step.confidence)}
                  </span>
                ) : null}
                {model && typeof model === "object" && model.name ? (
                  <span class="meta">
                    model {model.name}
                    {model.sha256 ? ` @ ${String(model.sha256).slice(0, 10)}` : ""}
                    {model.version ? ` v${model.version}` : ""}
                  </span>
                ) : null}
                {step.task_id ? (
                  <Link to={`/tasks/${step.task_id}`}>task {step.task_id}</Link>
                ) : null}
              </div>
              {step.error ? <p class="error">{step.error}</p> : null}
              {routing ? <p class="routing">Routing: {routing}</p> : null}
              <RoutingRules records={records} />
              {records.length > 0 ? (
                <ul class="records">
                  {records.map((record) => (
                    <li key={record.seq}>
                      <span class="meta">{formatTime(record.at)}</span>{" "}
                      <span class="record-kind">{record.kind}</span> by{" "}
                      <span class="record-actor">{record.actor}</span> {recordText(record)}
                    </li>
                  ))}
                </ul>
              ) : null}
              <div class="step-io">
                <JsonView label="Input" value={step.params} />
                <JsonView label="Output" value={step.output} />
              </div>
            </li>
          );
        })}
      </ol>
      {runRecords.length > 0 ? (
        <>
          <h2>Run records</h2>
          <ul class="records">
            {runRecords.map((record) => (
              <li key={record.seq}>
                <span class="meta">{formatTime(record.at)}</span>{" "}
                <span class="record-kind">{record.kind}</span> by{" "}
                <span class="record-actor">{record.actor}</span> {recordText(record)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
