// Runs: newest first, filtered on the server by workflow, status, version (hash prefix),
// business key (contains) and creation date (the API pages by run id; "Load more" fetches the
// next page).
import { useEffect, useState } from "preact/hooks";

import { api, RunSummary, WorkflowSummary } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { Link } from "../components/Link";
import { formatDuration, formatTime, shortVersion } from "../format";
import { navigate, useLocation } from "../router";

const STATUSES = ["running", "completed", "failed", "rejected", "cancelled"];
const PAGE = 100;

export function RunsScreen() {
  const { search } = useLocation();
  const workflow = search.get("workflow") ?? "";
  const status = search.get("status") ?? "";
  const [version, setVersion] = useState(search.get("version") ?? "");
  const [key, setKey] = useState(search.get("key") ?? "");
  const [from, setFrom] = useState(search.get("from") ?? "");
  const [to, setTo] = useState(search.get("to") ?? "");
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api
      .workflows()
      .then((list) => setWorkflows(list.workflows))
      .catch(setError);
  }, []);

  // Dates are whole days in UTC: from the start of `from` to the end of `to`.
  const dayStart = (day: string) => (day ? `${day}T00:00:00Z` : "");
  const dayAfter = (day: string) =>
    day ? new Date(Date.parse(`${day}T00:00:00Z`) + 24 * 3600 * 1000).toISOString() : "";
  const filter = {
    workflow,
    status,
    version: version.trim(),
    key: key.trim(),
    from: dayStart(from),
    until: dayAfter(to),
  };

  useEffect(() => {
    setRuns(null);
    api
      .runs({ ...filter, limit: PAGE })
      .then((page) => {
        setRuns(page.runs);
        setNext(page.next);
      })
      .catch(setError);
  }, [workflow, status, filter.version, filter.key, filter.from, filter.until]);

  const more = () => {
    if (!next) return;
    api
      .runs({ ...filter, limit: PAGE, before: next })
      .then((page) => {
        setRuns((old) => [...(old ?? []), ...page.runs]);
        setNext(page.next);
      })
      .catch(setError);
  };

  // Server-side filters live in the address, so a filtered list can be shared.
  const setServerFilter = (name: string, value: string) => {
    const params = new URLSearchParams(location.search);
    if (value) params.set(name, value);
    else params.delete(name);
    const text = params.toString();
    navigate(`/runs${text ? `?${text}` : ""}`, true);
  };

  const shown = runs ?? [];

  return (
    <section aria-labelledby="runs-heading">
      <div class="screen-head">
        <h1 id="runs-heading">Runs</h1>
      </div>
      <ErrorNote error={error} />
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Workflow
          <select value={workflow} onChange={(e) => setServerFilter("workflow", e.currentTarget.value)}>
            <option value="">all</option>
            {workflows.map((w) => (
              <option key={w.workflow} value={w.workflow}>
                {w.workflow}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setServerFilter("status", e.currentTarget.value)}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Version
          <input
            value={version}
            placeholder="hash prefix"
            size={12}
            onInput={(e) => setVersion(e.currentTarget.value)}
          />
        </label>
        <label>
          Business key
          <input value={key} size={14} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <label>
          From
          <input type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          To
          <input type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
      </form>
      {runs === null ? (
        <p class="loading">Loading runs…</p>
      ) : shown.length === 0 ? (
        <p class="empty">No run matches.</p>
      ) : (
        <table class="list">
          <caption class="visually-hidden">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Workflow</th>
              <th scope="col">Version</th>
              <th scope="col">Business key</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <tr key={run.run_id} data-run-id={run.run_id}>
                <td>
                  <Link to={`/runs/${run.run_id}`}>{run.run_id}</Link>
                </td>
                <td>{run.workflow}</td>
                <td>
                  <code title={run.version}>{shortVersion(run.version)}</code>
                </td>
                <td class="key">{run.business_key ?? "–"}</td>
                <td>
                  <span class={`badge status-${run.status}`}>{run.status}</span>
                  {run.error ? <div class="meta">{run.error}</div> : null}
                </td>
                <td>{formatTime(run.created_at)}</td>
                <td>
                  {run.finished_at
                    ? formatDuration(Date.parse(run.finished_at) - Date.parse(run.created_at))
                    : "–"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next ? (
        <button type="button" onClick={more}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
