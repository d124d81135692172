// A time-series chart (uPlot) with a text alternative: the same numbers as a table a screen
// reader can read (and a person can open). Series may carry an interval, drawn as a band.
import "uplot/dist/uPlot.min.css";

import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
  // An interval around the values (e.g. a 95% confidence interval), drawn as a shaded band.
  lower?: Array<number | null>;
  upper?: Array<number | null>;
  bars?: boolean;
}

export interface TimeChartProps {
  title: string;
  times: number[]; // bucket starts, seconds since the epoch
  series: ChartSeries[];
  format?: (value: number) => string; // axis, legend and table values
  height?: number;
  testId?: string;
}

const plain = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : String(+value.toFixed(2)));

export function TimeChart({ title, times, series, format = plain, height = 180, testId }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || times.length === 0) return;
    const data: uPlot.AlignedData = [times];
    const specs: uPlot.Series[] = [{}];
    const bands: uPlot.Band[] = [];
    for (const s of series) {
      data.push(s.values);
      const index = data.length - 1;
      specs.push({
        label: s.label,
        stroke: s.color,
        width: 2,
        value: (_u, v) => (v === null || v === undefined ? "–" : format(v)),
        paths: s.bars ? uPlot.paths.bars!({ size: [0.6, 24] }) : undefined,
        fill: s.bars ? `${s.color}55` : undefined,
        // Sparse series (a single busy hour among empty ones) show their points; lines alone
        // would draw nothing for an isolated value.
        points: { show: s.values.filter((v) => v !== null).length < 40 || times.length < 40 },
      });
      if (s.lower && s.upper) {
        data.push(s.upper, s.lower);
        // The band's edges are series to uPlot; their legend rows are hidden (chart-band).
        specs.push({ label: `${s.label} (upper)`, stroke: "transparent", points: { show: false }, class: "chart-band" });
        specs.push({ label: `${s.label} (lower)`, stroke: "transparent", points: { show: false }, class: "chart-band" });
        bands.push({ series: [index + 1, index + 2], fill: `${s.color}22` });
      }
    }
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      series: specs,
      bands,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => format(t)), size: 56 }],
    };
    const plot = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 200), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, height]);

  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {times.length === 0 ? (
        <p class="empty">No data in this period.</p>
      ) : (
        <>
          <div ref={box} class="chart-plot" role="img" aria-label={`${title}: chart over time; the numbers are in the table below`} />
          <details class="chart-table">
            <summary>Numbers</summary>
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  {series.map((s) => (
                    <th scope="col" key={s.label}>
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {times.map((t, i) => (
                  <tr key={t}>
                    <td>{new Date(t * 1000).toISOString().replace("T", " ").slice(0, 16)}</td>
                    {series.map((s) => {
                      const v = s.values[i];
                      const interval =
                        s.lower && s.upper && s.lower[i] != null && s.upper[i] != null
                          ? ` (${format(s.lower[i]!)}–${format(s.upper[i]!)})`
                          : "";
                      return <td key={s.label}>{v === null || v === undefined ? "–" : `${format(v)}${interval}`}</td>;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </figure>
  );
}
