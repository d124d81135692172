// Workflows: the deployed ones, and for one its steps as a graph, its versions (which is live),
// its triggers, and the stop switch (pause: no step of it is claimed until it is resumed).
import { useEffect, useState } from "preact/hooks";

import { api, may, rolesWith, Session, Workflow, WorkflowSummary } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { Link } from "../components/Link";
import { ShadowPanel } from "../components/ShadowPanel";
import { WorkflowGraph } from "../components/WorkflowGraph";
import { formatTime, shortVersion } from "../format";
import { useLocation } from "../router";

export function WorkflowsScreen() {
  const [workflows, setWorkflows] = useState<WorkflowSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .workflows()
      .then((list) => setWorkflows(list.workflows))
      .catch(setError);
  }, []);
  return (
    <section aria-labelledby="workflows-heading">
      <div class="screen-head">
        <h1 id="workflows-heading">Workflows</h1>
      </div>
      <ErrorNote error={error} />
      {workflows === null ? (
        <p class="loading">Loading workflows…</p>
      ) : workflows.length === 0 ? (
        <p class="empty">
          Nothing deployed yet: <code>flowline deploy spec.yaml</code>.
        </p>
      ) : (
        <table class="list">
          <caption class="visually-hidden">Deployed workflows</caption>
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">Live version</th>
              <th scope="col">Shadow</th>
              <th scope="col">State</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {workflows.map((w) => (
              <tr key={w.workflow}>
                <td>
                  <Link to={`/workflows/${w.workflow}`}>{w.workflow}</Link>
                </td>
                <td>
                  <code title={w.live_version}>{shortVersion(w.live_version)}</code>
                </td>
                <td>
                  {w.shadow_version ? <code title={w.shadow_version}>{shortVersion(w.shadow_version)}</code> : "–"}
                </td>
                <td>
                  {w.paused ? <span class="badge status-paused">paused</span> : <span class="badge status-completed">running</span>}
                </td>
                <td>{formatTime(w.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function WorkflowScreen({ session, name }: { session: Session; name: string }) {
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [switchError, setSwitchError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // ?version= shows an older (or newer, not yet live) version's steps; the default is live.
  const version = useLocation().search.get("version") ?? "";

  const load = () => api.workflow(name, version).then(setWorkflow).catch(setError);
  useEffect(() => {
    setError(null);
    load();
  }, [name, version]);

  const flip = async () => {
    if (!workflow) return;
    setBusy(true);
    setSwitchError(null);
    try {
      if (workflow.paused) await api.resume(name);
      else await api.pause(name);
      await load();
    } catch (e) {
      setSwitchError(e);
    } finally {
      setBusy(false);
    }
  };

  if (error) {
    return (
      <section>
        <h1>{name}</h1>
        <ErrorNote error={error} />
        <Link to="/workflows">All workflows</Link>
      </section>
    );
  }
  if (!workflow) return <p class="loading">Loading the workflow…</p>;
  const canSwitch = may(session, "deploy");
  const paused = workflow.paused === true;
  const shownIsLive = !workflow.shown_version || workflow.shown_version === workflow.live_version;

  return (
    <section aria-labelledby="workflow-heading">
      <div class="screen-head">
        <div>
          <h1 id="workflow-heading">{workflow.workflow}</h1>
          {workflow.description ? <p class="meta">{workflow.description}</p> : null}
        </div>
        <div class="stop-switch" data-testid="stop-switch">
          <span class={`badge ${paused ? "status-paused" : "status-completed"}`} data-testid="workflow-state">
            {paused ? "paused" : "running"}
          </span>
          <button
            type="button"
            class={paused ? "primary" : "danger"}
            disabled={busy || !canSwitch}
            title={
              canSwitch
                ? paused
                  ? "Resume: its cases continue where they stopped"
                  : "Pause: no step of this workflow runs until it is resumed; people may still decide tasks"
                : `Your role (${session.role}) may not pause workflows; ${rolesWith("deploy")} may.`
            }
            onClick={flip}
          >
            {paused ? "Resume workflow" : "Pause workflow"}
          </button>
        </div>
      </div>
      <ErrorNote error={switchError} />
      <p class="meta">
        <Link to={`/runs?workflow=${encodeURIComponent(workflow.workflow)}`}>Runs of this workflow</Link>
        {workflow.triggers && workflow.triggers.length > 0
          ? ` · triggers: ${workflow.triggers.map((t) => `${t.type} ${t.path ?? t.id}${t.signed ? " (signed)" : ""}`).join(", ")}`
          : ""}
      </p>
      <h2 data-testid="graph-heading">
        {shownIsLive ? (
          "Steps of the live version"
        ) : (
          <>
            Steps of version <code title={workflow.shown_version}>{shortVersion(workflow.shown_version ?? "")}</code>{" "}
            (not live)
          </>
        )}
      </h2>
      {!shownIsLive ? (
        <p class="meta">
          <Link to={`/workflows/${encodeURIComponent(workflow.workflow)}`}>Show the live version</Link>
        </p>
      ) : null}
      {workflow.steps && workflow.steps.length > 0 ? (
        <WorkflowGraph steps={workflow.steps} />
      ) : (
        <p class="empty">This version's steps are not available.</p>
      )}
      <h2>Versions</h2>
      <table class="list">
        <caption class="visually-hidden">Deployed versions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Source</th>
            <th scope="col">Deployed</th>
            <th scope="col">Stage</th>
            <th scope="col">Steps</th>
          </tr>
        </thead>
        <tbody>
          {workflow.versions.map((v) => (
            <tr key={v.version} class={v.live ? "live" : undefined}>
              <td>
                <code title={v.version}>{shortVersion(v.version)}</code>
              </td>
              <td>{v.source_name}</td>
              <td>{formatTime(v.deployed_at)}</td>
              <td data-testid={`stage-${v.version.slice(0, 12)}`}>
                <span class={`badge stage-${v.stage ?? (v.live ? "live" : "retired")}`}>{v.stage ?? (v.live ? "live" : "–")}</span>
                {v.version === workflow.canary_version && workflow.canary_share
                  ? ` + canary ${(100 * workflow.canary_share).toFixed(1)}%`
                  : ""}
              </td>
              <td>
                {v.version === workflow.shown_version ? (
                  <span aria-current="true">shown above</span>
                ) : (
                  <Link to={`/workflows/${encodeURIComponent(workflow.workflow)}?version=${v.version}`}>
                    Show steps<span class="visually-hidden"> of version {shortVersion(v.version)}</span>
                  </Link>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ShadowPanel name={workflow.workflow} />
    </section>
  );
}
