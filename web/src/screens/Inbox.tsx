// The inbox: people's open tasks by queue, with why each is here, its SLA and priority.
// Keyboard: j / ArrowDown and k / ArrowUp move, Enter or o opens, / goes to the search box.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";

import { api, Session, Task } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { useKeys } from "../components/useKeys";
import { useNow } from "../components/useNow";
import { isTyping, reasonText, slaText } from "../format";
import { navigate } from "../router";

// Open and claimed tasks (both still need a person), highest priority first, then oldest.
export async function loadWaitingTasks(): Promise<Task[]> {
  const [open, claimed] = await Promise.all([
    api.tasks({ status: "open", limit: 500 }),
    api.tasks({ status: "claimed", limit: 500 }),
  ]);
  return [...open.tasks, ...claimed.tasks].sort(
    (a, b) => b.priority - a.priority || a.created_at.localeCompare(b.created_at),
  );
}

function reasonsOf(task: Task): string[] {
  const reasons = task.payload?.reasons;
  return Array.isArray(reasons) ? reasons.map(reasonText) : [];
}

export function InboxScreen({ session }: { session: Session }) {
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [queue, setQueue] = useState<string>("");
  const [workflow, setWorkflow] = useState<string>("");
  const [status, setStatus] = useState<string>("");
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [text, setText] = useState("");
  const [selected, setSelectedState] = useState(0);
  // Also kept in a ref: two keys pressed before a re-render must both move.
  const selectedRef = useRef(0);
  const setSelected = (index: number) => {
    selectedRef.current = index;
    setSelectedState(index);
  };
  const search = useRef<HTMLInputElement>(null);
  const rows = useRef<Array<HTMLTableRowElement | null>>([]);
  const now = useNow(1000);

  // The queues' counts come from the server (GET /api/v1/queues): they cover every unresolved
  // task, not only the ones loaded into the list.
  const [queueCounts, setQueueCounts] = useState<
    Array<{ queue: string; open: number; claimed: number; overdue: number }>
  >([]);
  const reload = () =>
    Promise.all([loadWaitingTasks(), api.queues()])
      .then(([list, counted]) => {
        setTasks(list);
        setQueueCounts(counted.queues);
        setError(null);
      })
      .catch(setError);

  useEffect(() => {
    reload();
    const timer = setInterval(reload, 10000);
    return () => clearInterval(timer);
  }, []);

  const queues = useMemo(
    () =>
      queueCounts.map(
        (q) => [q.queue, { all: q.open + q.claimed, overdue: q.overdue }] as [
          string,
          { all: number; overdue: number },
        ],
      ),
    [queueCounts],
  );
  const workflows = useMemo(
    () => [...new Set((tasks ?? []).map((task) => task.workflow))].sort(),
    [tasks],
  );

  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return (tasks ?? []).filter(
      (task) =>
        (!queue || task.queue === queue) &&
        (!workflow || task.workflow === workflow) &&
        (!status || task.status === status) &&
        (!overdueOnly || (task.due_at !== null && Date.parse(task.due_at) < now)) &&
        (!needle ||
          task.title.toLowerCase().includes(needle) ||
          reasonsOf(task).some((reason) => reason.toLowerCase().includes(needle)) ||
          task.run_id.toLowerCase().includes(needle)),
    );
  }, [tasks, queue, workflow, status, overdueOnly, text, now]);

  useEffect(() => {
    if (selected >= shown.length) setSelected(Math.max(0, shown.length - 1));
  }, [shown.length]);

  const focusRow = (index: number) => {
    if (shown.length === 0) return;
    const clamped = Math.max(0, Math.min(shown.length - 1, index));
    setSelected(clamped);
    rows.current[clamped]?.focus();
  };

  useKeys((event: KeyboardEvent) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/" && !isTyping(event)) {
      event.preventDefault();
      search.current?.focus();
      return;
    }
    if (isTyping(event)) {
      if (event.key === "Escape" || (event.key === "ArrowDown" && shown.length > 0)) {
        event.preventDefault();
        focusRow(selectedRef.current);
      }
      return;
    }
    if (event.key === "j" || event.key === "ArrowDown") {
      event.preventDefault();
      focusRow(Math.min(shown.length - 1, selectedRef.current + 1));
    } else if (event.key === "k" || event.key === "ArrowUp") {
      event.preventDefault();
      focusRow(Math.max(0, selectedRef.current - 1));
    } else if ((event.key === "Enter" || event.key === "o") && shown[selectedRef.current]) {
      event.preventDefault();
      navigate(`/tasks/${shown[selectedRef.current].task_id}`);
    }
  });

  return (
    <section aria-labelledby="inbox-heading">
      <div class="screen-head">
        <h1 id="inbox-heading">Inbox</h1>
        <p class="hint" id="inbox-keys">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>/</kbd> search
        </p>
      </div>
      <ErrorNote error={error} />
      <div class="inbox">
        <nav class="queues" aria-label="Queues">
          <h2 class="sub">Queues</h2>
          <ul>
            <li>
              <button
                type="button"
                class={queue === "" ? "queue current" : "queue"}
                aria-pressed={queue === ""}
                onClick={() => setQueue("")}
              >
                <span>All queues</span>
                <span class="count">{tasks?.length ?? 0}</span>
              </button>
            </li>
            {queues.map(([name, counts]) => (
              <li key={name}>
                <button
                  type="button"
                  class={queue === name ? "queue current" : "queue"}
                  aria-pressed={queue === name}
                  onClick={() => setQueue(name)}
                >
                  <span>{name}</span>
                  <span class="count">
                    {counts.all}
                    {counts.overdue > 0 ? (
                      <span class="overdue-count" title="overdue">
                        {" "}
                        · {counts.overdue} overdue
                      </span>
                    ) : null}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div class="inbox-main">
          <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
            <label>
              Search
              <input
                ref={search}
                type="search"
                value={text}
                placeholder="title, reason, run"
                onInput={(e) => setText(e.currentTarget.value)}
              />
            </label>
            <label>
              Workflow
              <select value={workflow} onChange={(e) => setWorkflow(e.currentTarget.value)}>
                <option value="">all</option>
                {workflows.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Status
              <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
                <option value="">open and claimed</option>
                <option value="open">open</option>
                <option value="claimed">claimed</option>
              </select>
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={overdueOnly}
                onChange={(e) => setOverdueOnly(e.currentTarget.checked)}
              />
              Overdue only
            </label>
          </form>
          {tasks === null ? (
            <p class="loading">Loading tasks…</p>
          ) : shown.length === 0 ? (
            <p class="empty">
              {tasks.length === 0 ? "Nothing waiting for a person." : "No task matches."}
            </p>
          ) : (
            <table class="list" aria-describedby="inbox-keys">
              <caption class="visually-hidden">
                Tasks waiting for a person, {shown.length} shown
              </caption>
              <thead>
                <tr>
                  <th scope="col">Priority</th>
                  <th scope="col">Task</th>
                  <th scope="col">Why</th>
                  <th scope="col">Queue</th>
                  <th scope="col">SLA</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((task, index) => {
                  const sla = slaText(task.due_at, now);
                  const mine = task.claimed_by === session.user;
                  return (
                    <tr
                      key={task.task_id}
                      ref={(el) => {
                        rows.current[index] = el;
                      }}
                      tabIndex={index === selected ? 0 : -1}
                      class={index === selected ? "selected" : undefined}
                      data-task-id={task.task_id}
                      onClick={() => navigate(`/tasks/${task.task_id}`)}
                      onFocus={() => setSelected(index)}
                    >
                      <td class="num">{task.priority}</td>
                      <td>
                        <a
                          href={`/tasks/${task.task_id}`}
                          tabIndex={-1}
                          onClick={(e) => {
                            e.preventDefault();
                          }}
                        >
                          {task.title}
                        </a>
                        <div class="meta">{task.workflow}</div>
                      </td>
                      <td>
                        <ul class="reasons">
                          {reasonsOf(task).map((reason, i) => (
                            <li key={i}>{reason}</li>
                          ))}
                        </ul>
                      </td>
                      <td>{task.queue}</td>
                      <td class={sla.overdue ? "overdue" : undefined}>
                        <time dateTime={task.due_at ?? undefined}>{sla.text}</time>
                      </td>
                      <td>
                        <span class={`badge status-${task.status}`}>{task.status}</span>
                        {task.claimed_by ? (
                          <div class="meta">{mine ? "by you" : `by ${task.claimed_by}`}</div>
                        ) : null}
                        {task.four_eyes ? (
                          <div class="meta">
                            {task.first_decision_by ? `second review (first: ${task.first_decision_by})` : "four-eyes"}
                          </div>
                        ) : null}
                        {task.escalated_at ? <div class="meta overdue">escalated</div> : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </section>
  );
}
