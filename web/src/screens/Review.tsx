// Reviewing one task: the document's pages with each extracted field's box, the fields with their
// values and confidences, and the decision. Opening a task claims it (when the role may review);
// leaving without deciding releases it. After a decision the next waiting task of the same queue
// opens. Keyboard (outside text boxes): j/k next/previous field, e edit it, a approve,
// r reject, Escape leaves a text box, Ctrl+Enter approves from anywhere.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";

import {
  api,
  ApiError,
  ExtractedField,
  may,
  rolesWith,
  Run,
  Session,
  Task,
} from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { Link } from "../components/Link";
import { PageBox, PageView } from "../components/PageView";
import { useKeys } from "../components/useKeys";
import { useNow } from "../components/useNow";
import { confidenceBand, formatTime, isTyping, percent, reasonText, slaText } from "../format";
import { navigate } from "../router";
import { loadWaitingTasks } from "./Inbox";

interface DocumentPage {
  page: number;
  image: string | null;
}

// The read document's pages: the output of the run's step that read it (document.read's JSON).
function documentPages(run: Run | null): DocumentPage[] {
  if (!run) return [];
  for (const step of run.steps) {
    const pages = step.output?.pages;
    if (Array.isArray(pages) && pages.length > 0 && typeof pages[0]?.page === "number") {
      return pages.map((p: { page: number; image?: string }) => ({
        page: p.page,
        image: p.image ?? null,
      }));
    }
  }
  return [];
}

// The extracted fields: the task's data, or else the run's extract step output.
function extractedFields(task: Task, run: Run | null): Record<string, ExtractedField> {
  const fromTask = task.payload?.data?.fields;
  if (fromTask && typeof fromTask === "object") return fromTask;
  for (const step of run?.steps ?? []) {
    const fields = step.output?.fields;
    if (fields && typeof fields === "object" && !Array.isArray(fields)) return fields;
  }
  return {};
}

function shownValue(field: ExtractedField): string {
  return field.normalized ?? field.value ?? "";
}

export function ReviewScreen({ session, taskId }: { session: Session; taskId: string }) {
  const [task, setTask] = useState<Task | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState<string | null>(null);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const heldClaim = useRef(false);
  // Who "you" are in claims: the session's user, or (signed in with a token on a server that
  // does not say whose it is) the name our own claim came back with.
  const [me, setMe] = useState(session.user);
  const inputs = useRef<Record<string, HTMLInputElement | null>>({});
  const commentBox = useRef<HTMLTextAreaElement>(null);
  const now = useNow(1000);
  const canReview = may(session, "review");

  // Load, then claim it if it is open and this role may review.
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        let loaded = await api.task(taskId);
        // Claim it when it is open, or renew our own claim. Signed in with a token whose name the
        // server did not say, a claim held by anyone may be ours: the server tells (409 if not).
        const mayBeOurs =
          loaded.status === "claimed" &&
          (loaded.claimed_by === session.user || session.role === null);
        if (canReview && (loaded.status === "open" || mayBeOurs)) {
          try {
            loaded = await api.claim(taskId);
            heldClaim.current = true;
            if (loaded.claimed_by) setMe(loaded.claimed_by);
          } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            if (!(mayBeOurs && e.status === 409)) setActionError(e);
          }
        }
        if (cancelled) return;
        setTask(loaded);
        setRun(await api.run(loaded.run_id));
      } catch (e) {
        if (!cancelled) setError(e);
      }
    })();
    return () => {
      cancelled = true;
      // Leaving without a decision gives the task back to the queue.
      if (heldClaim.current) api.release(taskId).catch(() => undefined);
    };
  }, [taskId]);

  const fields = useMemo(() => (task ? extractedFields(task, run) : {}), [task, run]);
  const names = useMemo(() => Object.keys(fields).sort(fieldOrder(fields)), [fields]);
  const pages = useMemo(() => documentPages(run), [run]);
  const corrections = useMemo(() => {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(edits)) {
      if (fields[name] && value !== shownValue(fields[name])) out[name] = value;
    }
    return out;
  }, [edits, fields]);
  const correctionCount = Object.keys(corrections).length;

  const decisions = task?.payload?.decisions ?? ["approve", "reject"];
  const claimedByOther =
    task !== null && task.status === "claimed" && task.claimed_by !== me;
  const firstApprover = task?.first_decision_by ?? null;
  const decided = task !== null && (task.status === "resolved" || task.status === "cancelled");
  const blockedReason = !canReview
    ? `Your role (${session.role}) may not decide tasks; ${rolesWith("review")} may.`
    : decided
      ? `This task is ${task?.status}.`
      : claimedByOther
        ? `${task?.claimed_by} is working on this task.`
        : firstApprover && firstApprover === me
          ? "You made the first decision; a second person must make the other."
          : null;

  const selectField = (name: string, focus: boolean) => {
    setSelected(name);
    document
      .querySelector(`.field-box[data-field="${CSS.escape(name)}"]`)
      ?.scrollIntoView({ block: "center", behavior: "smooth" });
    if (focus) inputs.current[name]?.focus();
  };

  const nextTask = async (queue: string) => {
    const waiting = await loadWaitingTasks();
    const next = waiting.find(
      (t) => t.task_id !== taskId && t.queue === queue && t.status === "open",
    );
    navigate(next ? `/tasks/${next.task_id}` : "/inbox");
  };

  const decide = async (decision: string) => {
    if (!task || blockedReason) return;
    if (decision === "reject" && !comment.trim()) {
      setActionError(new Error("Say why it is rejected: the reason is kept with the decision."));
      commentBox.current?.focus();
      return;
    }
    let sent = decision;
    let data: Record<string, unknown> | undefined;
    if (decision === "approve" && correctionCount > 0) {
      // The corrected values go with the decision; "correct" where the task offers it.
      if (decisions.includes("correct")) sent = "correct";
      data = { fields: corrections };
    }
    setBusy(true);
    setActionError(null);
    try {
      const resolved = await api.resolve(task.task_id, sent, comment.trim(), data);
      heldClaim.current = false;
      if (resolved.status === "resolved" || resolved.status === "cancelled") {
        setNotice(`Task ${sent === "correct" ? "corrected" : sent + "d"}. Opening the next one…`);
      } else {
        setNotice("First decision recorded: a second reviewer must confirm it.");
      }
      await nextTask(task.queue);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  useKeys((event: KeyboardEvent) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      decide("approve");
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event)) {
      if (event.key === "Escape") (event.target as HTMLElement).blur();
      return;
    }
    const index = selected ? names.indexOf(selected) : -1;
    if (event.key === "j" || event.key === "ArrowDown") {
      event.preventDefault();
      if (names.length) selectField(names[Math.min(names.length - 1, index + 1)], false);
    } else if (event.key === "k" || event.key === "ArrowUp") {
      event.preventDefault();
      if (names.length) selectField(names[Math.max(0, index - 1)], false);
    } else if (event.key === "e" || event.key === "Enter") {
      if (selected) {
        event.preventDefault();
        inputs.current[selected]?.focus();
      }
    } else if (event.key === "a") {
      event.preventDefault();
      decide("approve");
    } else if (event.key === "r") {
      event.preventDefault();
      if (comment.trim()) decide("reject");
      else commentBox.current?.focus();
    }
  });

  if (error) {
    return (
      <section>
        <h1>Task {taskId}</h1>
        <ErrorNote error={error} />
        <Link to="/inbox">Back to the inbox</Link>
      </section>
    );
  }
  if (!task) return <p class="loading">Loading the task…</p>;

  const sla = slaText(task.due_at, now);
  const reasons = Array.isArray(task.payload?.reasons) ? task.payload!.reasons!.map(reasonText) : [];
  const checks = task.payload?.data?.checks ?? [];
  const boxesByPage = new Map<number, PageBox[]>();
  for (const name of names) {
    const evidence = fields[name].evidence;
    if (!evidence || !Array.isArray(evidence.box)) continue;
    const list = boxesByPage.get(evidence.page) ?? [];
    list.push({ field: name, box: evidence.box, band: confidenceBand(fields[name].confidence) });
    boxesByPage.set(evidence.page, list);
  }
  const otherDecisions = decisions.filter(
    (d) => d !== "approve" && d !== "reject" && d !== "correct",
  );

  return (
    <section class="review" aria-labelledby="review-heading">
      <div class="screen-head">
        <div>
          <h1 id="review-heading">{task.title}</h1>
          <p class="meta">
            {task.workflow} · queue {task.queue} · priority {task.priority} ·{" "}
            <span class={sla.overdue ? "overdue" : undefined}>{sla.text}</span> · run{" "}
            <Link to={`/runs/${task.run_id}`}>{task.run_id}</Link>
          </p>
        </div>
        <span class={`badge status-${task.status}`} data-testid="task-status">
          {task.status}
          {task.claimed_by ? ` by ${task.claimed_by === me ? "you" : task.claimed_by}` : ""}
        </span>
      </div>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div class="review-body">
        <div class="pages" aria-label="Document">
          {run === null ? (
            <p class="loading">Loading the document…</p>
          ) : pages.length === 0 ? (
            <div class="panel case-data">
              <h2 class="sub">The case</h2>
              <p class="hint">
                No document was read for this run: the task's data, or else the run's input.
              </p>
              <pre data-testid="case-data">
                {JSON.stringify(
                  task.payload?.data && Object.keys(task.payload.data).length > 0
                    ? task.payload.data
                    : (run.input ?? null),
                  null,
                  2,
                )}
              </pre>
            </div>
          ) : (
            pages.map((page) => (
              <PageView
                key={page.page}
                page={page.page}
                image={page.image}
                boxes={boxesByPage.get(page.page) ?? []}
                selected={selected}
                onSelect={(name) => selectField(name, true)}
              />
            ))
          )}
        </div>
        <div class="side">
          {reasons.length > 0 ? (
            <div class="panel">
              <h2 class="sub">Why a person</h2>
              <ul class="reasons" data-testid="reasons">
                {reasons.map((reason, i) => (
                  <li key={i}>{reason}</li>
                ))}
              </ul>
            </div>
          ) : null}
          {task.payload?.instructions ? <p class="hint">{task.payload.instructions}</p> : null}
          {task.four_eyes ? (
            <p class="notice" data-testid="four-eyes">
              {firstApprover
                ? `Four-eyes: first decision (${task.first_decision?.decision ?? "approve"}) by ${firstApprover}${
                    task.first_decision?.at ? ` at ${formatTime(task.first_decision.at)}` : ""
                  }. A second, different person decides now.`
                : "Four-eyes: two different people must decide this case; yours is the first decision."}
            </p>
          ) : null}
          <form
            class="fields panel"
            aria-labelledby="fields-heading"
            onSubmit={(e) => {
              e.preventDefault();
              decide("approve");
            }}
          >
            <h2 class="sub" id="fields-heading">
              Fields <span class="hint">(j/k move, e edit, Esc done)</span>
            </h2>
            {names.length === 0 ? <p class="empty">No extracted fields to check.</p> : null}
            {names.map((name) => {
              const field = fields[name];
              const band = confidenceBand(field.confidence);
              const value = edits[name] ?? shownValue(field);
              const changed = name in corrections;
              const id = `field-${name}`;
              return (
                <div
                  key={name}
                  class={`field-row${selected === name ? " selected" : ""}${changed ? " changed" : ""}`}
                  data-field={name}
                  onClick={() => setSelected(name)}
                >
                  <label for={id}>{name.replace(/_/g, " ")}</label>
                  <input
                    id={id}
                    ref={(el) => {
                      inputs.current[name] = el;
                    }}
                    value={value}
                    readOnly={blockedReason !== null}
                    aria-describedby={`${id}-conf`}
                    onFocus={() => selectField(name, false)}
                    onInput={(e) => {
                      const next = e.currentTarget.value;
                      setEdits((old) => ({ ...old, [name]: next }));
                    }}
                  />
                  <span
                    id={`${id}-conf`}
                    class={`confidence band-${band}`}
                    title={`confidence ${percent(field.confidence)}`}
                  >
                    {percent(field.confidence)}
                    <span class="visually-hidden"> confidence, {band}</span>
                  </span>
                  {field.evidence?.text && field.evidence.text !== value ? (
                    <div class="evidence">printed: “{field.evidence.text}”</div>
                  ) : !field.evidence ? (
                    <div class="evidence">not found on the document</div>
                  ) : null}
                </div>
              );
            })}
            {checks.length > 0 ? (
              <>
                <h2 class="sub">Checks</h2>
                <ul class="checks">
                  {checks.map((check) => (
                    <li key={check.name} class={check.passed ? "pass" : "fail"}>
                      <span aria-hidden="true">{check.passed ? "✓" : "✗"}</span>{" "}
                      {check.name.replace(/_/g, " ")}
                      <span class="visually-hidden">{check.passed ? " passed" : " failed"}</span>
                      {check.message ? <span class="meta"> — {check.message}</span> : null}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            <label for="decision-comment">Reason or comment</label>
            <textarea
              id="decision-comment"
              ref={commentBox}
              rows={2}
              value={comment}
              placeholder="Required to reject; kept with the decision"
              onInput={(e) => setComment(e.currentTarget.value)}
            />
            <ErrorNote error={actionError} />
            <div class="decision-bar" role="group" aria-label="Decision">
              <button
                type="submit"
                class="primary"
                disabled={busy || blockedReason !== null}
                title={blockedReason ?? "Approve (a, or Ctrl+Enter)"}
                aria-keyshortcuts="a Control+Enter"
              >
                {correctionCount > 0
                  ? `Approve with ${correctionCount} correction${correctionCount > 1 ? "s" : ""}`
                  : "Approve"}
              </button>
              {decisions.includes("reject") ? (
                <button
                  type="button"
                  class="danger"
                  disabled={busy || blockedReason !== null}
                  title={blockedReason ?? "Reject (r): needs a reason"}
                  aria-keyshortcuts="r"
                  onClick={() => decide("reject")}
                >
                  Reject
                </button>
              ) : null}
              {otherDecisions.map((d) => (
                <button
                  key={d}
                  type="button"
                  disabled={busy || blockedReason !== null}
                  title={blockedReason ?? d}
                  onClick={() => decide(d)}
                >
                  {d}
                </button>
              ))}
              {correctionCount > 0 ? (
                <button type="button" class="quiet" onClick={() => setEdits({})}>
                  Undo corrections
                </button>
              ) : null}
            </div>
            {blockedReason ? (
              <p class="hint" data-testid="blocked">
                {blockedReason}
              </p>
            ) : null}
          </form>
        </div>
      </div>
    </section>
  );
}

// Fields found on the document first, in reading order (page, then top to bottom); then the rest.
function fieldOrder(fields: Record<string, ExtractedField>) {
  return (a: string, b: string) => {
    const ea = fields[a].evidence;
    const eb = fields[b].evidence;
    if (ea && eb) return ea.page - eb.page || ea.box[1] - eb.box[1] || ea.box[0] - eb.box[0];
    if (ea) return -1;
    if (eb) return 1;
    return a.localeCompare(b);
  };
}
