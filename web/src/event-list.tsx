/** The service's event timeline, newest first: the last 100, then each new one as it happens. */
import { useEffect, useState } from "preact/hooks";
import { formatTime } from "./format";
import type { EventJson } from "./wire";

const MAX_EVENTS = 500;

export function EventList({ name }: { name: string }) {
  const [events, setEvents] = useState<EventJson[]>([]);
  useEffect(() => {
    setEvents([]);
    // The browser resumes after a drop with Last-Event-ID: nothing is shown twice or missed.
    const source = new EventSource(`/api/v1/events?service=${encodeURIComponent(name)}&n=100&follow=1`);
    source.onmessage = (e: MessageEvent<string>) => {
      const event = JSON.parse(e.data) as EventJson;
      setEvents((list) => [event, ...list].slice(0, MAX_EVENTS));
    };
    return () => source.close();
  }, [name]);
  if (events.length === 0) return <p class="muted">No events yet.</p>;
  return (
    <ol class="events">
      {events.map((e) => (
        <li key={e.id}>
          <time dateTime={e.ts}>{formatTime(e.ts)}</time>{" "}
          {e.kind === "state" && e.from !== e.to ? (
            <span>
              <span class={`badge ${e.from}`}>{e.from}</span> → <span class={`badge ${e.to}`}>{e.to}</span>
            </span>
          ) : (
            <span class="kind">{e.kind}</span>
          )}{" "}
          <span class="event-reason">{e.reason}</span>
        </li>
      ))}
    </ol>
  );
}
