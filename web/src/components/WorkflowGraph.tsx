// A workflow's steps as a graph: layered from `needs` (a step sits one layer below the deepest
// step it needs), edges from each needed step, nodes coloured by actor (AI, system, human).
import { WorkflowStep } from "../api";

const NODE_W = 150;
const NODE_H = 46;
const GAP_X = 28;
const GAP_Y = 46;

export function layers(steps: WorkflowStep[]): Map<string, number> {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const depth = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle cannot be deployed; guard anyway
    seen.add(id);
    const needs = byId.get(id)?.needs ?? [];
    const d = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => visit(n, seen)));
    depth.set(id, d);
    return d;
  };
  steps.forEach((step) => visit(step.id, new Set()));
  return depth;
}

export function WorkflowGraph({ steps }: { steps: WorkflowStep[] }) {
  const depth = layers(steps);
  const rows: WorkflowStep[][] = [];
  for (const step of steps) {
    const d = depth.get(step.id) ?? 0;
    (rows[d] ??= []).push(step);
  }
  const widest = Math.max(1, ...rows.map((row) => row?.length ?? 0));
  // Room on the right for the lanes of edges that skip layers.
  const width = widest * (NODE_W + GAP_X) + GAP_X + 40;
  const height = rows.length * (NODE_H + GAP_Y) + GAP_Y / 2;
  const position = new Map<string, { x: number; y: number }>();
  let lanes = 0;
  rows.forEach((row, r) => {
    const rowWidth = row.length * (NODE_W + GAP_X) - GAP_X;
    const start = (width - 40 - rowWidth) / 2;
    row.forEach((step, i) => {
      position.set(step.id, { x: start + i * (NODE_W + GAP_X), y: GAP_Y / 2 + r * (NODE_H + GAP_Y) });
    });
  });

  return (
    <figure class="graph">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-labelledby="graph-title"
      >
        <title id="graph-title">
          {`Steps: ${steps.map((s) => `${s.id} (${s.actor}${s.needs?.length ? `, after ${s.needs.join(" and ")}` : ""})`).join("; ")}`}
        </title>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" class="edge-head" />
          </marker>
        </defs>
        {steps.flatMap((step) =>
          (step.needs ?? []).map((need) => {
            const from = position.get(need);
            const to = position.get(step.id);
            if (!from || !to) return null;
            const span = (depth.get(step.id) ?? 0) - (depth.get(need) ?? 0);
            let d: string;
            if (span > 1) {
              // Past the layers between: out of the source's right side, down a lane beside the
              // nodes, into the target's right side (so it crosses no node).
              const lo = depth.get(need) ?? 0;
              const hi = depth.get(step.id) ?? 0;
              let right = 0;
              for (let r = lo; r <= hi; r++) {
                for (const other of rows[r] ?? []) right = Math.max(right, position.get(other.id)!.x);
              }
              const lane = right + NODE_W + GAP_X / 2 + (lanes++ % 4) * 4;
              const y1 = from.y + NODE_H / 2;
              const y2 = to.y + NODE_H / 2;
              d =
                `M${from.x + NODE_W},${y1} C${lane},${y1} ${lane},${y1} ${lane},${y1 + 20} ` +
                `L${lane},${y2 - 20} C${lane},${y2} ${lane},${y2} ${to.x + NODE_W + 2},${y2}`;
            } else {
              const x1 = from.x + NODE_W / 2;
              const y1 = from.y + NODE_H;
              const x2 = to.x + NODE_W / 2;
              const y2 = to.y;
              const mid = (y1 + y2) / 2;
              d = `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2 - 2}`;
            }
            return <path key={`${need}-${step.id}`} class="edge" d={d} marker-end="url(#arrow)" />;
          }),
        )}
        {steps.map((step) => {
          const p = position.get(step.id)!;
          return (
            <g key={step.id} class={`node actor-${step.actor}`} data-step={step.id} transform={`translate(${p.x},${p.y})`}>
              <rect width={NODE_W} height={NODE_H} rx="6" />
              <text x={NODE_W / 2} y="19" text-anchor="middle" class="node-id">
                {step.id}
              </text>
              <text x={NODE_W / 2} y="36" text-anchor="middle" class="node-uses">
                {step.actor} · {step.uses}
                {step.when ? " · if" : ""}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        <span class="actor-tag actor-ai">AI</span> <span class="actor-tag actor-system">system</span>{" "}
        <span class="actor-tag actor-human">human</span> · “if”: runs only when its condition holds
      </figcaption>
    </figure>
  );
}
