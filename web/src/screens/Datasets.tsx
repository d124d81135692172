// Datasets (docs/datasets.md): the stored, versioned sets of labelled cases, and for one its
// versions and what a version holds — cases per split, source, document type, labelled field and
// slice (vendor, ...). Reviewers' corrections and audit verdicts arrive in <workflow>.reviewed.
import { useEffect, useState } from "preact/hooks";

import { api, Counts, Dataset, DatasetSummary } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { Link } from "../components/Link";
import { formatTime } from "../format";
import { useLocation } from "../router";

export function DatasetsScreen() {
  const [datasets, setDatasets] = useState<DatasetSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .datasets()
      .then((list) => setDatasets(list.datasets))
      .catch(setError);
  }, []);
  return (
    <section aria-labelledby="datasets-heading">
      <div class="screen-head">
        <h1 id="datasets-heading">Datasets</h1>
      </div>
      <ErrorNote error={error} />
      {datasets === null ? (
        <p class="loading">Loading datasets…</p>
      ) : datasets.length === 0 ? (
        <p class="empty">
          No datasets yet: <code>flowline dataset import NAME --from FOLDER</code>, or resolve review tasks (their
          corrections become <code>WORKFLOW.reviewed</code>).
        </p>
      ) : (
        <table class="list">
          <caption class="visually-hidden">Stored datasets</caption>
          <thead>
            <tr>
              <th scope="col">Dataset</th>
              <th scope="col">Workflow</th>
              <th scope="col">Version</th>
              <th scope="col">Cases</th>
              <th scope="col">Created</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr key={d.name}>
                <td>
                  <Link to={`/datasets/${encodeURIComponent(d.name)}`}>{d.name}</Link>
                </td>
                <td>{d.workflow || "–"}</td>
                <td>{d.version}</td>
                <td>{d.cases ?? 0}</td>
                <td>{formatTime(d.created_at)}</td>
                <td>{d.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// The most values a count table lists; the rest are summed in one line.
const SHOWN_VALUES = 12;

// A small table of counts, largest first.
function CountTable({ title, counts }: { title: string; counts: Counts }) {
  const all = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const rows = all.slice(0, SHOWN_VALUES);
  const rest = all.slice(SHOWN_VALUES);
  return (
    <div class="panel">
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p class="empty">None.</p>
      ) : (
        <table class="list">
          <caption class="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Value</th>
              <th scope="col">Cases</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([key, n]) => (
              <tr key={key}>
                <td>{key || "(none)"}</td>
                <td>{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rest.length > 0 && (
        <p class="legend">
          and {rest.length} more values with {rest.reduce((n, [, count]) => n + count, 0)} cases
        </p>
      )}
    </div>
  );
}

export function DatasetScreen({ name }: { name: string }) {
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [error, setError] = useState<unknown>(null);
  // ?version= shows an older version's contents; the default is the newest.
  const version = useLocation().search.get("version") ?? "";
  useEffect(() => {
    setError(null);
    api.dataset(name, version).then(setDataset).catch(setError);
  }, [name, version]);

  if (dataset === null) {
    return (
      <section>
        <h1>{name}</h1>
        <ErrorNote error={error} />
        {!error && <p class="loading">Loading the dataset…</p>}
      </section>
    );
  }
  const summary = dataset.summary;
  return (
    <section aria-labelledby="dataset-heading">
      <div class="screen-head">
        <div>
          <h1 id="dataset-heading">{dataset.name}</h1>
          <p>{dataset.description || "No description."}</p>
          <p class="legend">
            Workflow: {dataset.workflow || "none"} · split by case key: validation {dataset.split.validation_share}, test{" "}
            {dataset.split.test_share}, seed {dataset.split.seed}
          </p>
        </div>
      </div>
      <ErrorNote error={error} />
      <h2>Versions</h2>
      <table class="list">
        <caption class="visually-hidden">Versions, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Cases</th>
            <th scope="col">Created</th>
            <th scope="col">Content</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {dataset.versions.map((v) => (
            <tr key={v.version} aria-current={summary?.version === v.version ? "true" : undefined}>
              <td>
                <Link to={`/datasets/${encodeURIComponent(dataset.name)}?version=${v.version}`}>{v.version}</Link>
                {summary?.version === v.version && <span class="badge status-completed">shown</span>}
              </td>
              <td>{v.cases}</td>
              <td>{formatTime(v.created_at)}</td>
              <td>
                <code title={v.content_hash}>{v.content_hash.slice(0, 12)}</code>
              </td>
              <td>{v.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {summary === null ? (
        <p class="empty">No version yet.</p>
      ) : (
        <>
          <h2>
            Version {summary.version}: {summary.cases} cases
          </h2>
          <div class="tiles">
            {(["train", "validation", "test"] as const).map((part) => (
              <div class="tile" key={part}>
                <span class="tile-label">{part}</span>
                <span class="tile-value">{summary.splits[part]}</span>
              </div>
            ))}
          </div>
          <div class="drift-grid">
            <CountTable title="Sources" counts={summary.sources} />
            <CountTable title="Document types" counts={summary.doc_types} />
            <CountTable title="Labelled fields" counts={summary.fields} />
            {Object.entries(summary.slices)
              .filter(([slice]) => slice !== "doc_type" && slice !== "source")
              .map(([slice, counts]) => (
                <CountTable key={slice} title={`Slice: ${slice}`} counts={counts} />
              ))}
          </div>
        </>
      )}
    </section>
  );
}
