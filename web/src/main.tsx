import "./styles.css";

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";

import { api, ApiError, Session, setUnauthenticatedHandler, storeToken, storedToken } from "./api";
import { Link } from "./components/Link";
import { match, navigate, useLocation } from "./router";
import { DashboardScreen } from "./screens/Dashboard";
import { EvaluationsScreen } from "./screens/Evaluations";
import { DatasetScreen, DatasetsScreen } from "./screens/Datasets";
import { InboxScreen } from "./screens/Inbox";
import { ReviewScreen } from "./screens/Review";
import { RunScreen } from "./screens/Run";
import { RunsScreen } from "./screens/Runs";
import { SignInScreen } from "./screens/SignIn";
import { WorkflowScreen, WorkflowsScreen } from "./screens/Workflows";

const VIA_KEY = "flowline.via";

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  const { path } = useLocation();

  // A token from an earlier visit in this tab, or a session cookie (another tab signed in, or a
  // reload): find out who we are; a 401 means nobody, and the sign-in screen shows.
  useEffect(() => {
    api
      .whoAmI(storedToken() ? "token" : "password")
      .then(setSession)
      .catch(() => storeToken(null))
      .finally(() => setChecking(false));
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      storeToken(null);
      sessionStorage.removeItem(VIA_KEY);
      setSession(null);
    });
    return () => setUnauthenticatedHandler(null);
  }, []);

  const signedIn = (next: Session) => {
    sessionStorage.setItem(VIA_KEY, next.via);
    setSession(next);
    if (path === "/" || path === "/signin") navigate("/inbox", true);
  };

  const signOut = async () => {
    if (session?.via === "password") {
      try {
        await api.signOut();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
    }
    storeToken(null);
    sessionStorage.removeItem(VIA_KEY);
    setSession(null);
    navigate("/", true);
  };

  if (checking) return <p class="loading">Loading…</p>;
  if (!session) return <SignInScreen onSignedIn={signedIn} />;

  let screen;
  let params: Record<string, string> | null;
  let section = "";
  if (path === "/" || path === "/inbox" || path === "/signin") {
    screen = <InboxScreen session={session} />;
    section = "inbox";
  } else if ((params = match("/tasks/:id", path))) {
    screen = <ReviewScreen key={params.id} session={session} taskId={params.id} />;
    section = "inbox";
  } else if (path === "/runs") {
    screen = <RunsScreen />;
    section = "runs";
  } else if ((params = match("/runs/:id", path))) {
    screen = <RunScreen key={params.id} runId={params.id} />;
    section = "runs";
  } else if (path === "/dashboard") {
    screen = <DashboardScreen session={session} />;
    section = "dashboard";
  } else if (path === "/evaluations") {
    screen = <EvaluationsScreen />;
    section = "evaluations";
  } else if (path === "/workflows") {
    screen = <WorkflowsScreen />;
    section = "workflows";
  } else if ((params = match("/workflows/:name", path))) {
    screen = <WorkflowScreen key={params.name} session={session} name={params.name} />;
    section = "workflows";
  } else if (path === "/datasets") {
    screen = <DatasetsScreen />;
    section = "datasets";
  } else if ((params = match("/datasets/:name", path))) {
    screen = <DatasetScreen key={params.name} name={params.name} />;
    section = "datasets";
  } else {
    screen = (
      <section>
        <h1>Not found</h1>
        <p>
          There is no screen at <code>{path}</code>. <Link to="/inbox">Go to the inbox</Link>.
        </p>
      </section>
    );
  }

  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">flowline</span>
        <nav aria-label="Main">
          <Link to="/inbox" current={section === "inbox"}>
            Inbox
          </Link>
          <Link to="/runs" current={section === "runs"}>
            Runs
          </Link>
          <Link to="/workflows" current={section === "workflows"}>
            Workflows
          </Link>
          <Link to="/dashboard" current={section === "dashboard"}>
            Dashboard
          </Link>
          <Link to="/evaluations" current={section === "evaluations"}>
            Evaluations
          </Link>
          <Link to="/datasets" current={section === "datasets"}>
            Datasets
          </Link>
        </nav>
        <span class="who" data-testid="who">
          {session.role ? session.user : "signed in with a token"}
          {session.role ? <span class="role">{session.role}</span> : null}
        </span>
        <button type="button" class="quiet" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {screen}
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
