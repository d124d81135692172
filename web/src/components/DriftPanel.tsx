// The drift panel: each monitored feature's status, the statistics it was tested with, and its
// reference distribution against the current one (paired bars: reference grey, current blue).
import { DriftFeature } from "../api";

const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

function statusClass(status: string): string {
  if (status === "drift") return "status-failed";
  if (status === "ok") return "status-completed";
  return "status-paused";
}

interface Pair {
  label: string;
  reference: number;
  current: number;
  isNew?: boolean;
}

function pairsOf(feature: DriftFeature): Pair[] {
  const d = feature.distribution ?? {};
  if (Array.isArray(d.bins)) {
    return d.bins.map((b) => ({
      label: `${formatBound(b.lower)}–${formatBound(b.upper)}`,
      reference: b.reference,
      current: b.current,
    }));
  }
  if (Array.isArray(d.categories)) {
    return d.categories.map((c) => ({ label: c.category, reference: c.reference, current: c.current, isNew: c.new }));
  }
  if (typeof d.reference_rate === "number" && typeof d.current_rate === "number") {
    return [{ label: "rate", reference: d.reference_rate, current: d.current_rate }];
  }
  return [];
}

function formatBound(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "∞";
  const a = Math.abs(value);
  if (a >= 1000) return value.toFixed(0);
  if (a >= 1) return String(+value.toFixed(1));
  return String(+value.toFixed(3));
}

// Paired horizontal bars, one row per bin or category.
function Distribution({ feature }: { feature: DriftFeature }) {
  const pairs = pairsOf(feature);
  if (pairs.length === 0) return <p class="empty">No distribution to show.</p>;
  const max = Math.max(...pairs.flatMap((p) => [p.reference, p.current]), 1e-9);
  return (
    <table class="distribution" aria-label={`${feature.feature}: reference and current shares`}>
      <thead>
        <tr>
          <th scope="col">{feature.type === "categorical" ? "Value" : feature.type === "rate" ? "" : "Range"}</th>
          <th scope="col">Reference</th>
          <th scope="col">Current</th>
        </tr>
      </thead>
      <tbody>
        {pairs.map((p) => (
          <tr key={p.label} class={p.isNew ? "new-category" : undefined}>
            <th scope="row">
              {p.label}
              {p.isNew ? <span class="badge status-failed">new</span> : null}
            </th>
            <td>
              <span class="bar reference" style={{ width: `${(p.reference / max) * 100}%` }} />
              <span class="share">{percent(p.reference)}</span>
            </td>
            <td>
              <span class="bar current" style={{ width: `${(p.current / max) * 100}%` }} />
              <span class="share">{percent(p.current)}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DriftPanel({ features }: { features: DriftFeature[] }) {
  if (features.length === 0) return <p class="empty">No monitored features yet.</p>;
  return (
    <div class="drift-grid">
      {features.map((f) => (
        <article class="drift-feature" key={f.feature} data-feature={f.feature} data-status={f.status}>
          <header>
            <h3>{f.feature}</h3>
            <span class={`badge ${statusClass(f.status)}`}>{f.status.replace("_", " ")}</span>
          </header>
          <p class="meta">
            {f.type} · {f.test} · reference {f.reference_n} · current {f.current_n}
          </p>
          {f.summary ? <p>{f.summary}</p> : null}
          <Distribution feature={f} />
          {f.statistics && f.statistics.length > 0 ? (
            <p class="meta statistics">
              {f.statistics.map((s) => (
                <span key={s.name} class={s.beyond ? "beyond" : undefined}>
                  {s.name} {formatBound(s.value)}
                  {s.threshold !== undefined && s.threshold !== null ? ` (limit ${formatBound(s.threshold)})` : ""}
                </span>
              ))}
            </p>
          ) : null}
        </article>
      ))}
    </div>
  );
}
