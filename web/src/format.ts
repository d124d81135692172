// Formatting shared by the screens.

export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  const s = Math.round(abs / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

// "due in 3h 12m" / "overdue by 5m" / "no SLA".
export function slaText(dueAt: string | null, now: number): { text: string; overdue: boolean } {
  if (!dueAt) return { text: "no SLA", overdue: false };
  const left = Date.parse(dueAt) - now;
  if (left < 0) return { text: `overdue by ${formatDuration(-left)}`, overdue: true };
  return { text: `due in ${formatDuration(left)}`, overdue: false };
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

// Confidence bands (the same thresholds as the invoice workflow's route step: 0.9).
export type Band = "high" | "medium" | "low";
export function confidenceBand(confidence: number | null | undefined): Band {
  if (confidence === null || confidence === undefined) return "low";
  if (confidence >= 0.9) return "high";
  if (confidence >= 0.7) return "medium";
  return "low";
}

export function percent(confidence: number | null | undefined): string {
  if (confidence === null || confidence === undefined) return "–";
  return `${Math.round(confidence * 100)}%`;
}

export function reasonText(reason: unknown): string {
  if (typeof reason === "string") return reason;
  if (reason && typeof reason === "object") {
    const r = reason as Record<string, unknown>;
    if (typeof r.message === "string") return r.message;
    if (typeof r.rule === "string") return r.rule;
    if (typeof r.reason === "string") return r.reason;
  }
  return JSON.stringify(reason);
}

export function shortVersion(version: string): string {
  return version.length > 12 ? version.slice(0, 12) : version;
}

// True when the key event comes from a place where typing means text, not a shortcut.
export function isTyping(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  if (!target) return false;
  const tag = target.tagName;
  return (
    tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable === true
  );
}
