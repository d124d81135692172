// A JSON value, folded behind a summary (step inputs and outputs can be large).
export function JsonView({ label, value }: { label: string; value: unknown }) {
  if (value === null || value === undefined) return null;
  const text = JSON.stringify(value, null, 2);
  return (
    <details class="json">
      <summary>
        {label} <span class="meta">({text.length > 1024 ? `${Math.round(text.length / 1024)} KB` : `${text.length} B`})</span>
      </summary>
      <pre>{text.length > 200000 ? text.slice(0, 200000) + "\n… (cut)" : text}</pre>
    </details>
  );
}
