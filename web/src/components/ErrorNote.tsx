import { ApiError } from "../api";

// An error as a person reads it: the server's message, and what the status means.
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  let text = String(error);
  if (error instanceof ApiError) {
    const prefix =
      error.status === 403
        ? "Not allowed: "
        : error.status === 404
          ? "Not found: "
          : error.status === 409
            ? "Conflict: "
            : "";
    text = prefix + error.message;
  } else if (error instanceof Error) {
    text = error.message;
  }
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}
