// Evaluations (docs/evaluation.md): the stored evaluations, one report with its plots
// (reliability, straight-through vs accuracy, fields), the classifier's confusion matrix, slices
// and the failed fields, and two compared field by field. The figures are the server's
// (GET /api/v1/evaluations, /evaluations/{id}, /evaluations/compare).
import { useEffect, useState } from "preact/hooks";

import { api, EvaluationComparison, EvaluationDetail, EvaluationSummary } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { Link } from "../components/Link";
import { formatTime } from "../format";
import { navigate, useLocation } from "../router";

const pct = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${+(v * 100).toFixed(1)}%`);
const points = (v: number | null | undefined) =>
  v === null || v === undefined ? "–" : `${v >= 0 ? "+" : ""}${+(v * 100).toFixed(1)}`;

interface Line {
  name: string;
  colour: string;
  values: (number | null)[];
}

// A small line chart over categories, y from 0 to 1, as SVG (no scripts, readable as a table too).
function ShareChart({ title, labels, lines, testId }: { title: string; labels: string[]; lines: Line[]; testId: string }) {
  const w = 520, h = 200, left = 40, bottom = 24, top = 10;
  const x = (i: number) => left + (labels.length <= 1 ? 0 : (i * (w - left - 10)) / (labels.length - 1));
  const y = (v: number) => top + (1 - v) * (h - top - bottom);
  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg width={w} height={h} role="img" aria-label={title}>
        {[0, 0.25, 0.5, 0.75, 1].map((t) => (
          <g key={t}>
            <line x1={left} x2={w - 10} y1={y(t)} y2={y(t)} stroke="#ddd" />
            <text x={4} y={y(t) + 4} font-size="10">
              {pct(t)}
            </text>
          </g>
        ))}
        {labels.map((label, i) =>
          i % Math.max(1, Math.ceil(labels.length / 8)) === 0 ? (
            <text key={label} x={x(i) - 10} y={h - 6} font-size="10">
              {label}
            </text>
          ) : null,
        )}
        {lines.map((line) => (
          <polyline
            key={line.name}
            fill="none"
            stroke={line.colour}
            stroke-width="2"
            points={line.values
              .map((v, i) => (v === null ? null : `${x(i)},${y(v)}`))
              .filter((p) => p !== null)
              .join(" ")}
          />
        ))}
      </svg>
      <p class="legend">
        {lines.map((line) => (
          <span key={line.name} style={{ color: line.colour, marginRight: "1em" }}>
            ■ {line.name}
          </span>
        ))}
      </p>
    </figure>
  );
}

function Report({ detail }: { detail: EvaluationDetail }) {
  const r = detail.report;
  const s = detail.summary;
  const bins = r.calibration?.bins ?? [];
  const curve = r.curve ?? [];
  const confusion = r.classifier?.confusion ?? {};
  return (
    <div data-testid="evaluation-report">
      <p>
        {detail.workflow} <code>{detail.version.slice(0, 12)}</code> on {detail.dataset}
        {detail.dataset_version ? `@${detail.dataset_version}` : ""} ({detail.split}), {formatTime(detail.created_at)} by{" "}
        {detail.created_by}
      </p>
      <div class="tiles">
        <div class="tile" data-testid="tile-eval-accuracy">
          <span class="tile-label">Mean field accuracy</span>
          <span class="tile-value">{pct(s.mean_field_accuracy)}</span>
          <span class="tile-detail">{s.cases} cases</span>
        </div>
        <div class="tile" data-testid="tile-eval-stp">
          <span class="tile-label">Straight-through at {pct(s.target_accuracy)}</span>
          <span class="tile-value">{pct(s.straight_through)}</span>
          <span class="tile-detail">threshold {s.threshold === null ? "none" : s.threshold.toFixed(3)}</span>
        </div>
        <div class="tile">
          <span class="tile-label">The workflow's own straight-through</span>
          <span class="tile-value">{pct(s.workflow_straight_through)}</span>
        </div>
        <div class="tile">
          <span class="tile-label">Cost per case</span>
          <span class="tile-value">{s.cost_per_case === null ? "–" : `${s.cost_per_case.toFixed(4)} ${s.currency}`}</span>
          <span class="tile-detail">p50 {s.latency_p50 === null ? "–" : `${s.latency_p50.toFixed(3)} s`} of step time</span>
        </div>
      </div>
      <div class="charts">
        <ShareChart
          testId="chart-reliability"
          title={`Reliability (ECE ${(r.calibration?.ece ?? 0).toFixed(3)})`}
          labels={bins.map((b) => b.low.toFixed(1))}
          lines={[
            { name: "accuracy", colour: "#16723a", values: bins.map((b) => (b.count ? b.accuracy : null)) },
            { name: "mean confidence", colour: "#9c4a00", values: bins.map((b) => (b.count ? b.mean_confidence : null)) },
          ]}
        />
        <ShareChart
          testId="chart-stp-curve"
          title="Straight-through vs accuracy over confidence thresholds"
          labels={curve.map((p) => p.threshold.toFixed(2))}
          lines={[
            { name: "accuracy of auto-accepted fields", colour: "#1f5fbf", values: curve.map((p) => p.accuracy) },
            { name: "cases straight through", colour: "#16723a", values: curve.map((p) => p.straight_through) },
            { name: "fields auto-accepted", colour: "#4f5b67", values: curve.map((p) => p.accepted_share) },
          ]}
        />
      </div>
      <h2>Fields</h2>
      <table data-testid="eval-fields">
        <thead>
          <tr>
            <th>Field</th>
            <th>Labelled</th>
            <th>Accuracy</th>
            <th>Coverage</th>
          </tr>
        </thead>
        <tbody>
          {r.fields.map((f) => (
            <tr key={f.field}>
              <td>{f.field}</td>
              <td>{f.labelled}</td>
              <td>
                <meter min={0} max={1} value={f.accuracy} /> {pct(f.accuracy)}
              </td>
              <td>{pct(f.coverage)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {Object.keys(confusion).length > 0 ? (
        <>
          <h2>Classifier ({pct(r.classifier?.accuracy)} right)</h2>
          <table data-testid="eval-confusion">
            <thead>
              <tr>
                <th>Expected</th>
                <th>Predicted</th>
                <th>Cases</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(confusion).flatMap(([expected, row]) =>
                Object.entries(row).map(([label, n]) => (
                  <tr key={`${expected}/${label}`}>
                    <td>{expected}</td>
                    <td>{label}</td>
                    <td>{n}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </>
      ) : null}
      {(r.slices ?? []).length > 0 ? (
        <>
          <h2>Slices</h2>
          <table data-testid="eval-slices">
            <thead>
              <tr>
                <th>Slice</th>
                <th>Value</th>
                <th>Cases</th>
                <th>Accuracy</th>
              </tr>
            </thead>
            <tbody>
              {(r.slices ?? []).map((s) => (
                <tr key={`${s.slice}/${s.value}`}>
                  <td>{s.slice}</td>
                  <td>{s.value}</td>
                  <td>{s.cases}</td>
                  <td>{pct(s.accuracy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <h2>Failed fields ({r.errors.length})</h2>
      <table data-testid="eval-failures">
        <thead>
          <tr>
            <th>Case</th>
            <th>Field</th>
            <th>Expected</th>
            <th>Predicted</th>
            <th>Confidence</th>
            <th>Evidence</th>
          </tr>
        </thead>
        <tbody>
          {r.errors.slice(0, 100).map((e) => (
            <tr key={`${e.document}/${e.field}`}>
              <td>{e.document}</td>
              <td>{e.field}</td>
              <td>{e.label}</td>
              <td class="wrong">{e.predicted ?? "–"}</td>
              <td>{e.confidence.toFixed(2)}</td>
              <td>{e.error || e.evidence || ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Comparison({ c }: { c: EvaluationComparison }) {
  return (
    <div data-testid="evaluation-comparison">
      {c.note ? <p class="note">{c.note}</p> : null}
      <table>
        <thead>
          <tr>
            <th>Field</th>
            <th>Accuracy a</th>
            <th>Accuracy b</th>
            <th>Difference (points)</th>
          </tr>
        </thead>
        <tbody>
          {c.fields.map((f) => (
            <tr key={f.field}>
              <td>{f.field}</td>
              <td>{pct(f.accuracy.a)}</td>
              <td>{pct(f.accuracy.b)}</td>
              <td>{points(f.accuracy.difference)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Right in a, wrong in b: {c.right_to_wrong.length}; wrong in a, right in b: {c.wrong_to_right.length}.
      </p>
    </div>
  );
}

export function EvaluationsScreen() {
  const { search } = useLocation();
  const selected = search.get("id") ?? "";
  const compareWith = search.get("compare") ?? "";
  const [list, setList] = useState<EvaluationSummary[] | null>(null);
  const [detail, setDetail] = useState<EvaluationDetail | null>(null);
  const [comparison, setComparison] = useState<EvaluationComparison | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.evaluations({}).then((r) => setList(r.evaluations), setError);
  }, []);
  useEffect(() => {
    setDetail(null);
    if (selected) api.evaluation(selected).then(setDetail, setError);
  }, [selected]);
  useEffect(() => {
    setComparison(null);
    if (selected && compareWith) api.compareEvaluations(compareWith, selected).then(setComparison, setError);
  }, [selected, compareWith]);
  return (
    <section>
      <h1>Evaluations</h1>
      <ErrorNote error={error} />
      {list === null ? (
        <p class="loading">Loading…</p>
      ) : list.length === 0 ? (
        <p>No evaluations are stored yet: `flowline eval --save`, or a deployed version on a stored dataset.</p>
      ) : (
        <table data-testid="evaluations">
          <thead>
            <tr>
              <th>Evaluation</th>
              <th>Workflow</th>
              <th>Version</th>
              <th>Dataset</th>
              <th>Accuracy</th>
              <th>Straight-through</th>
              <th>When</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id} class={e.id === selected ? "selected" : ""}>
                <td>
                  <Link to={`/evaluations?id=${encodeURIComponent(e.id)}`}>{e.id}</Link>
                </td>
                <td>{e.workflow}</td>
                <td>
                  <code>{e.version.slice(0, 12)}</code>
                </td>
                <td>
                  {e.dataset}
                  {e.dataset_version ? `@${e.dataset_version}` : ""} ({e.split})
                </td>
                <td>{pct(e.summary.mean_field_accuracy)}</td>
                <td>{pct(e.summary.straight_through)}</td>
                <td>{formatTime(e.created_at)}</td>
                <td>
                  {selected && e.id !== selected ? (
                    <button type="button" class="quiet" onClick={() => navigate(`/evaluations?id=${encodeURIComponent(selected)}&compare=${encodeURIComponent(e.id)}`)}>
                      Compare with selected
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {comparison ? (
        <>
          <h2>
            {comparison.a.id} → {comparison.b.id}
          </h2>
          <Comparison c={comparison} />
        </>
      ) : null}
      {detail ? <Report detail={detail} /> : null}
    </section>
  );
}
