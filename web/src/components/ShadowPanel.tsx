// The shadow version's comparison with live (docs/releases.md): agreement per field, where each
// routed the cases, and the cases that disagree with both values.
import { useEffect, useState } from "preact/hooks";

import { api, ShadowReport } from "../api";
import { ErrorNote } from "./ErrorNote";
import { Link } from "./Link";
import { shortVersion } from "../format";

function percent(value: number | null): string {
  return value === null ? "–" : `${(100 * value).toFixed(1)}%`;
}

function routing(routed: string): string {
  return routed ? routed.replace("_", " ") : "–";
}

function show(value: unknown): string {
  return value === null || value === undefined ? "–" : typeof value === "string" ? value : JSON.stringify(value);
}

export function ShadowPanel({ name }: { name: string }) {
  const [report, setReport] = useState<ShadowReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setError(null);
    api.shadow(name).then(setReport).catch(setError);
  }, [name]);

  return (
    <section aria-labelledby="shadow-heading" data-testid="shadow-panel">
      <h2 id="shadow-heading">Shadow</h2>
      <ErrorNote error={error} />
      {report === null ? (
        error ? null : <p class="loading">Loading the shadow's comparison…</p>
      ) : !report.shadow_version ? (
        <p class="empty">
          No shadow version. Put one beside live with <code>flowline promote {name} VERSION --to shadow</code>: it
          gets a copy of every new case, writes nothing outside, and is compared with live here.
        </p>
      ) : (
        <>
          <p class="meta" data-testid="shadow-summary">
            Version <code title={report.shadow_version}>{shortVersion(report.shadow_version)}</code>
            {report.current_shadow ? "" : " (no longer the shadow)"} against live{" "}
            <code title={report.live_version}>{shortVersion(report.live_version)}</code>: {report.pairs} cases
            compared, {report.agreeing} agree ({percent(report.agreement)}). Routing: both straight through{" "}
            {report.routing.both_straight_through}, both to a person {report.routing.both_person}, differ{" "}
            {report.routing.differ}.
          </p>
          {report.fields.length > 0 ? (
            <table class="list" data-testid="shadow-fields">
              <caption class="visually-hidden">Agreement per field</caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Equal</th>
                  <th scope="col">Agreement</th>
                </tr>
              </thead>
              <tbody>
                {report.fields.map((f) => (
                  <tr key={f.field}>
                    <td>
                      <code>{f.field}</code>
                    </td>
                    <td>
                      {f.equal} of {f.compared}
                    </td>
                    <td>{percent(f.agreement)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {report.disagreements.length > 0 ? (
            <>
              <h3>Cases that disagree</h3>
              <table class="list" data-testid="shadow-disagreements">
                <caption class="visually-hidden">Cases where the shadow and live differ, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Case</th>
                    <th scope="col">Field</th>
                    <th scope="col">Live</th>
                    <th scope="col">Shadow</th>
                    <th scope="col">Routing (live / shadow)</th>
                  </tr>
                </thead>
                <tbody>
                  {report.disagreements.flatMap((d) =>
                    (d.fields.length > 0 ? d.fields : [{ field: "", live: null, shadow: null }]).map((f, i) => (
                      <tr key={`${d.shadow_run_id}-${f.field}`}>
                        <td>{i === 0 ? <Link to={`/runs/${d.live_run_id}`}>{d.key || d.live_run_id}</Link> : ""}</td>
                        <td>{f.field ? <code>{f.field}</code> : "–"}</td>
                        <td>{show(f.live)}</td>
                        <td>{show(f.shadow)}</td>
                        <td>
                          {i === 0 && d.live_routing !== d.shadow_routing
                            ? `${routing(d.live_routing)} / ${routing(d.shadow_routing)}`
                            : ""}
                        </td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            </>
          ) : null}
        </>
      )}
    </section>
  );
}
