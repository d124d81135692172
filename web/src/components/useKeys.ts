import { useEffect, useRef } from "preact/hooks";

// A window keydown handler that always sees the latest render's state: the handler is kept in a
// ref assigned during render, so a key pressed right after the screen changes is not handled by
// an older closure (effects run only after the browser paints).
export function useKeys(handler: (event: KeyboardEvent) => void): void {
  const current = useRef(handler);
  current.current = handler;
  useEffect(() => {
    const listener = (event: KeyboardEvent) => current.current(event);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);
}
