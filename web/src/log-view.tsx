/**
 * The log tail that follows: one EventSource on the service's log stream. At most MAX_CHARS
 * are kept (older output drops off the top); it scrolls with new output while the view is at
 * the bottom, and stays where the reader scrolled to otherwise.
 */
import { useEffect, useRef, useState } from "preact/hooks";

const MAX_CHARS = 200_000;

export function LogView({ name }: { name: string }) {
  const [text, setText] = useState("");
  const [state, setState] = useState<"connecting" | "following" | "reconnecting">("connecting");
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setText("");
    let first = true;
    const source = new EventSource(`/api/v1/services/${encodeURIComponent(name)}/logs?n=200&follow=1`);
    source.onmessage = (e: MessageEvent<string>) => {
      const piece = (JSON.parse(e.data) as { text: string }).text;
      // A reconnect starts again with the tail: replace, do not append it twice.
      const replace = first;
      first = false;
      setState("following");
      setText((old) => {
        const next = replace ? piece : old + piece;
        return next.length > MAX_CHARS ? next.slice(next.indexOf("\n", next.length - MAX_CHARS) + 1) : next;
      });
    };
    source.onerror = () => {
      first = true;
      setState("reconnecting");
    };
    return () => source.close();
  }, [name]);
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <div class="logs">
      <p class="muted">
        {state} · <code>upkeep logs {name} -f</code>
      </p>
      <pre ref={box} class="log" aria-label={`output of ${name}`}>
        {text || "(no output yet)"}
      </pre>
    </div>
  );
}
