// The dashboard: per workflow, the measures over time (volume, straight-through rate, accuracy
// with its interval, exceptions by reason, latency, cost, time saved), the drift panel and the
// alerts. The figures are the server's (GET .../measures, .../drift, /alerts; docs/measures.md).
import { useEffect, useMemo, useState } from "preact/hooks";

import { Alert, api, DriftReport, may, Measures, MeasureBucket, rolesWith, Session, WorkflowSummary } from "../api";
import { DriftPanel } from "../components/DriftPanel";
import { ErrorNote } from "../components/ErrorNote";
import { ChartSeries, TimeChart } from "../components/TimeChart";
import { formatTime } from "../format";
import { navigate, useLocation } from "../router";

const PERIODS = [
  { granularity: "minute", label: "Last 3 hours, by minute" },
  { granularity: "hour", label: "Last 48 hours, by hour" },
  { granularity: "day", label: "Last 30 days, by day" },
];

// Colours with enough contrast on white, told apart by more than hue where it matters (labels).
const COLOURS = ["#1f5fbf", "#16723a", "#b3261e", "#8a5a00", "#6b3fb5", "#33556f", "#9c4a00", "#4f5b67"];

const pct = (v: number) => `${+(v * 100).toFixed(1)}%`;
const seconds = (v: number) => (v >= 120 ? `${+(v / 60).toFixed(1)} min` : `${+v.toFixed(v >= 10 ? 0 : 2)} s`);

function money(currency: string | undefined) {
  return (v: number) => `${v.toFixed(v >= 100 ? 0 : 2)}${currency ? ` ${currency}` : ""}`;
}

function Tile({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId: string }) {
  return (
    <div class="tile" data-testid={testId}>
      <span class="tile-label">{label}</span>
      <span class="tile-value">{value}</span>
      {detail ? <span class="tile-detail">{detail}</span> : null}
    </div>
  );
}

function Summary({ measures }: { measures: Measures }) {
  const t = measures.totals;
  const audit = t.accuracy.audit_fields;
  const reviewed = t.accuracy.reviewed_fields;
  const interval = (p: { low: number | null; high: number | null }) =>
    p.low !== null && p.high !== null ? `95% interval ${pct(p.low)}–${pct(p.high)}` : undefined;
  return (
    <div class="tiles" aria-label="The period's figures" data-workflow={measures.workflow} data-granularity={measures.granularity}>
      <Tile testId="tile-runs" label="Runs finished" value={String(t.runs.finished)} detail={`${t.runs.started} started`} />
      <Tile
        testId="tile-stp"
        label="Straight-through"
        value={t.straight_through_rate === null ? "–" : pct(t.straight_through_rate)}
        detail={`${t.runs.automated} without a person`}
      />
      <Tile
        testId="tile-accuracy"
        label="Accuracy (audit sample)"
        value={audit.accuracy === null ? "–" : pct(audit.accuracy)}
        detail={audit.n > 0 ? `${audit.n} fields; ${interval(audit)}` : "no audited fields yet"}
      />
      <Tile
        testId="tile-reviewed"
        label="Accuracy (reviewed)"
        value={reviewed.accuracy === null ? "–" : pct(reviewed.accuracy)}
        detail={reviewed.n > 0 ? `${reviewed.n} fields; ${interval(reviewed)}` : "no reviewed fields yet"}
      />
      <Tile testId="tile-exceptions" label="To a person" value={String(t.exceptions.tasks)} detail={`${t.exceptions.escalated} escalated`} />
      <Tile
        testId="tile-latency"
        label="Latency p90 (automated)"
        value={t.latency_seconds.automated.p90 === null ? "–" : seconds(t.latency_seconds.automated.p90)}
      />
      <Tile testId="tile-cost" label="Cost" value={t.cost === null ? "no price table" : money(measures.currency)(t.cost.total)} />
      <Tile
        testId="tile-saved"
        label="Time saved"
        value={t.time_saved_minutes === null ? "–" : `${+(t.time_saved_minutes / 60).toFixed(1)} h`}
      />
    </div>
  );
}

function charts(measures: Measures) {
  const b = measures.buckets;
  const times = b.map((x) => Date.parse(x.start) / 1000);
  const pick = (f: (x: MeasureBucket) => number | null | undefined) => b.map((x) => f(x) ?? null);
  const reasons = Array.from(new Set(b.flatMap((x) => Object.keys(x.exceptions.by_reason)))).sort();
  const list: Array<{ title: string; testId: string; series: ChartSeries[]; format?: (v: number) => string }> = [
    {
      title: "Volume: runs started and finished",
      testId: "chart-volume",
      series: [
        { label: "started", values: pick((x) => x.runs.started), color: COLOURS[0], bars: true },
        { label: "finished", values: pick((x) => x.runs.finished), color: COLOURS[1] },
      ],
    },
    {
      title: "Straight-through rate",
      testId: "chart-stp",
      format: pct,
      series: [{ label: "straight-through", values: pick((x) => x.straight_through_rate), color: COLOURS[1] }],
    },
    {
      title: "Field accuracy, with 95% interval",
      testId: "chart-accuracy",
      format: pct,
      series: [
        {
          label: "audit sample",
          values: pick((x) => x.accuracy.audit_fields.accuracy),
          lower: pick((x) => x.accuracy.audit_fields.low),
          upper: pick((x) => x.accuracy.audit_fields.high),
          color: COLOURS[4],
        },
        {
          label: "reviewed",
          values: pick((x) => x.accuracy.reviewed_fields.accuracy),
          lower: pick((x) => x.accuracy.reviewed_fields.low),
          upper: pick((x) => x.accuracy.reviewed_fields.high),
          color: COLOURS[3],
        },
      ],
    },
    {
      title: "Exceptions by reason",
      testId: "chart-exceptions",
      series: reasons.map((reason, i) => ({
        label: reason,
        values: pick((x) => x.exceptions.by_reason[reason] ?? 0),
        color: COLOURS[(i + 2) % COLOURS.length],
      })),
    },
    {
      title: "Run latency",
      testId: "chart-latency",
      format: seconds,
      series: [
        { label: "p50", values: pick((x) => x.latency_seconds.run.p50), color: COLOURS[1] },
        { label: "p90", values: pick((x) => x.latency_seconds.run.p90), color: COLOURS[3] },
        { label: "p99", values: pick((x) => x.latency_seconds.run.p99), color: COLOURS[2] },
      ],
    },
    {
      title: "Cost",
      testId: "chart-cost",
      format: money(measures.currency),
      series: [
        { label: "model", values: pick((x) => x.cost?.model), color: COLOURS[4] },
        { label: "people", values: pick((x) => x.cost?.human), color: COLOURS[6] },
      ],
    },
    {
      title: "Time saved (minutes)",
      testId: "chart-saved",
      series: [{ label: "time saved", values: pick((x) => x.time_saved_minutes), color: COLOURS[1], bars: true }],
    },
  ];
  return { times, list };
}

function Alerts({ alerts, session, onChange }: { alerts: Alert[]; session: Session; onChange: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const canAck = may(session, "deploy");
  if (alerts.length === 0) return <p class="empty">No open alerts.</p>;
  const acknowledge = async (id: string) => {
    setError(null);
    try {
      await api.acknowledgeAlert(id);
      onChange();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <ErrorNote error={error} />
      <ul class="alerts">
        {alerts.map((a) => (
          <li key={a.alert_id} data-alert={a.subject} data-status={a.status}>
            <span class={`badge ${a.status === "open" ? "status-failed" : "status-paused"}`}>{a.status}</span>{" "}
            <strong>{a.subject}</strong>: {a.summary}
            <span class="meta">
              {" "}
              · since {formatTime(a.opened_at)} · seen {a.occurrences}×
              {a.acknowledged_by ? ` · acknowledged by ${a.acknowledged_by}` : ""}
            </span>
            {a.status === "open" ? (
              <button
                type="button"
                disabled={!canAck}
                title={canAck ? "Someone is looking into it" : `Your role may not acknowledge alerts; ${rolesWith("deploy")} may.`}
                onClick={() => acknowledge(a.alert_id)}
              >
                Acknowledge<span class="visually-hidden"> the alert on {a.subject}</span>
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </>
  );
}

export function DashboardScreen({ session }: { session: Session }) {
  const search = useLocation().search;
  const [workflows, setWorkflows] = useState<WorkflowSummary[] | null>(null);
  const [measures, setMeasures] = useState<Measures | null>(null);
  // undefined: loading; null: no check yet.
  const [drift, setDrift] = useState<DriftReport | null | undefined>(undefined);
  const [checking, setChecking] = useState(false);
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  const workflow = search.get("workflow") ?? workflows?.[0]?.workflow ?? "";
  const granularity = search.get("granularity") ?? "hour";

  const go = (changes: Record<string, string>) => {
    const next = new URLSearchParams({ workflow, granularity, ...changes });
    navigate(`/dashboard?${next.toString()}`);
  };

  useEffect(() => {
    api
      .workflows()
      .then((list) => setWorkflows(list.workflows))
      .catch(setError);
  }, []);

  useEffect(() => {
    if (!workflow) return;
    // A slower answer for the previous workflow or period must not overwrite this one's.
    let current = true;
    const keep =
      <T,>(set: (value: T) => void) =>
      (value: T) => {
        if (current) set(value);
      };
    setError(null);
    setMeasures(null);
    Promise.all([
      api.measures(workflow, { granularity }).then(keep(setMeasures)),
      api.drift(workflow).then(keep(setDrift)),
      api.alerts({ workflow }).then((a) => keep(setAlerts)(a.alerts)),
    ]).catch(keep(setError));
    return () => {
      current = false;
    };
  }, [workflow, granularity, tick]);

  const checkNow = async () => {
    setChecking(true);
    setError(null);
    try {
      setDrift(await api.checkDrift(workflow));
      setAlerts((await api.alerts({ workflow })).alerts);
    } catch (e) {
      setError(e);
    } finally {
      setChecking(false);
    }
  };
  const canCheck = may(session, "deploy");

  const drawn = useMemo(() => (measures ? charts(measures) : null), [measures]);
  const openAlerts = (alerts ?? []).filter((a) => a.status !== "resolved");

  return (
    <section aria-labelledby="dashboard-heading">
      <div class="screen-head">
        <h1 id="dashboard-heading">Dashboard</h1>
        <div class="filters">
          <label>
            Workflow{" "}
            <select value={workflow} onChange={(e) => go({ workflow: (e.target as HTMLSelectElement).value })}>
              {(workflows ?? []).map((w) => (
                <option key={w.workflow} value={w.workflow}>
                  {w.workflow}
                </option>
              ))}
            </select>
          </label>
          <label>
            Period{" "}
            <select value={granularity} onChange={(e) => go({ granularity: (e.target as HTMLSelectElement).value })}>
              {PERIODS.map((p) => (
                <option key={p.granularity} value={p.granularity}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => setTick(tick + 1)}>
            Refresh
          </button>
        </div>
      </div>
      <ErrorNote error={error} />
      {workflows !== null && workflows.length === 0 ? (
        <p class="empty">
          Nothing deployed yet: <code>flowline deploy spec.yaml</code>.
        </p>
      ) : null}

      <h2>Alerts</h2>
      {alerts === null ? <p class="loading">Loading alerts…</p> : <Alerts alerts={openAlerts} session={session} onChange={() => setTick(tick + 1)} />}

      {measures === null || drawn === null ? (
        workflow ? <p class="loading">Loading the measures…</p> : null
      ) : (
        <>
          <p class="meta">
            {formatTime(measures.from)} to {formatTime(measures.until)}
          </p>
          <Summary measures={measures} />
          {measures.notes.length > 0 ? (
            <ul class="notes">
              {measures.notes.map((n) => (
                <li key={n} class="hint">
                  {n}
                </li>
              ))}
            </ul>
          ) : null}
          <div class="charts">
            {drawn.list.map((c) => (
              <TimeChart key={c.testId} title={c.title} testId={c.testId} times={drawn.times} series={c.series} format={c.format} />
            ))}
          </div>
        </>
      )}

      <div class="section-head">
        <h2>Drift</h2>
        <button
          type="button"
          disabled={checking || !canCheck || !workflow}
          title={canCheck ? "Compare the recent window with the reference now" : `Your role may not run drift checks; ${rolesWith("deploy")} may.`}
          onClick={checkNow}
        >
          {checking ? "Checking…" : "Check drift now"}
        </button>
      </div>
      {drift === undefined ? (
        <p class="loading">Loading drift…</p>
      ) : drift === null ? (
        <p class="empty">No drift check yet: the server checks every hour, or check now.</p>
      ) : (
        <>
          <p class="meta" data-testid="drift-windows">
            Checked {formatTime(drift.checked_at)} · reference {formatTime(drift.windows.reference.from)} to{" "}
            {formatTime(drift.windows.reference.until)} · recent {formatTime(drift.windows.recent.from)} to{" "}
            {formatTime(drift.windows.recent.until)}
            {drift.ready ? "" : " · warming up: the reference window has not ended yet"}
          </p>
          <DriftPanel features={drift.features} />
        </>
      )}
    </section>
  );
}
