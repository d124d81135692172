// Sign-in: a user name and password (a session cookie), or an API token pasted in (kept in this
// tab's sessionStorage only).
import { useState } from "preact/hooks";

import { api, ApiError, Session, storeToken } from "../api";
import { ErrorNote } from "../components/ErrorNote";

export function SignInScreen({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const withPassword = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    storeToken(null);
    try {
      const signed = await api.signIn(user.trim(), password);
      onSignedIn({ user: signed.user, role: signed.role, via: "password" });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
        setError(new Error("This server has no password sign-in yet: use an API token."));
      } else if (e instanceof ApiError && e.status === 401) {
        setError(new Error("Wrong user name or password."));
      } else {
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  };

  const withToken = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    storeToken(token.trim());
    try {
      onSignedIn(await api.whoAmI("token"));
    } catch (e) {
      storeToken(null);
      setError(
        e instanceof ApiError && e.status === 401
          ? new Error("The server does not know this token (mistyped, or revoked).")
          : e,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <h1>Sign in to flowline</h1>
      <ErrorNote error={error} />
      <div class="signin-forms">
        <form onSubmit={withPassword} aria-labelledby="password-heading">
          <h2 id="password-heading">With your password</h2>
          <label for="signin-user">User name</label>
          <input
            id="signin-user"
            name="username"
            autoComplete="username"
            required
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
          />
          <label for="signin-password">Password</label>
          <input
            id="signin-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <button type="submit" class="primary" disabled={busy}>
            Sign in
          </button>
        </form>
        <form onSubmit={withToken} aria-labelledby="token-heading">
          <h2 id="token-heading">With an API token</h2>
          <label for="signin-token">Token</label>
          <input
            id="signin-token"
            name="token"
            type="password"
            autoComplete="off"
            placeholder="flt_…"
            required
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
          <p class="hint">
            From <code>flowline token create --role reviewer --name you</code>. Kept in this tab
            only.
          </p>
          <button type="submit" disabled={busy}>
            Sign in with token
          </button>
        </form>
      </div>
    </main>
  );
}
