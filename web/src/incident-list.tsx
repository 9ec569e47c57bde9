/**
 * The service's incidents, newest first: read when the tab opens and again when the service
 * falls (into backoff, failed, or exited other than with code 0; or restarted without the page
 * seeing the backoff). One request for
 * the open service only; nothing polls while it stays up. Mounted per service (keyed by name).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { getJson } from "./api";
import { formatTime } from "./format";
import { IncidentView } from "./incident-view";
import type { IncidentSummaryJson } from "./wire";

const LISTED = 20;
/**
 * The daemon stores an incident a few hundred ms after the death (its output settles, the host
 * snapshot takes two readings 250 ms apart): after a fall, read again after these delays until
 * a newer incident is there. A death within a second of the last incident has none (it is
 * counted in the next one), so the retries end.
 */
const RETRY_MS = [400, 800, 1600, 3200];

interface Listing {
  recording: boolean;
  incidents: IncidentSummaryJson[];
}

interface Props {
  name: string;
  state: string;
  since: string;
  restarts: number;
  /** Ended with exit code 0: `exited` after that is a success (a oneshot's), not a crash. */
  cleanExit: boolean;
}

export function IncidentList({ name, state, since, restarts, cleanExit }: Props) {
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  // The last fall seen (sticky while the service starts again), and the restart count: a
  // backoff shorter than the status stream's 50 ms batching may never be shown.
  const fall = useRef("");
  if (state === "backoff" || state === "failed" || (state === "exited" && !cleanExit)) {
    fall.current = `${state} ${since}`;
  }
  const trigger = `${fall.current} ${restarts}`;
  const first = useRef(true);
  const newest = useRef<number | null>(null);

  useEffect(() => {
    let stale = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // On opening: read once. After a fall: read until an incident newer than the last one shown.
    const waitForNew = !first.current;
    first.current = false;
    const before = newest.current;
    const read = (attempt: number): void => {
      getJson<Listing>(`/api/v1/incidents?service=${encodeURIComponent(name)}&n=${LISTED}`).then(
        (l) => {
          if (stale) return;
          const latest = l.incidents.at(-1)?.id ?? null;
          newest.current = latest;
          setListing(l);
          setError(null);
          const delay = RETRY_MS[attempt];
          if (waitForNew && latest === before && delay !== undefined) {
            timer = setTimeout(() => read(attempt + 1), delay);
          }
        },
        (err: unknown) => !stale && setError(String(err)),
      );
    };
    read(0);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [name, trigger]);

  if (error) return <p class="bad">{error}</p>;
  if (!listing) return <p class="muted">reading incidents…</p>;
  const rows = [...listing.incidents].reverse();
  return (
    <div class="incidents">
      {!listing.recording && (
        <p class="note">
          The daemon records no incidents (<code>incidents: false</code>).
        </p>
      )}
      {rows.length === 0 ? (
        <p class="muted">No incidents kept.</p>
      ) : (
        <ol class="incident-list">
          {rows.map((i) => (
            <li key={i.id} class={open === i.id ? "selected" : ""}>
              <button class="link" data-incident={i.id} onClick={() => setOpen(open === i.id ? null : i.id)}>
                <time dateTime={i.ts}>{formatTime(i.ts)}</time> <span class="kind">{i.kind}</span>{" "}
                <span class="event-reason">{i.summary}</span>
              </button>
            </li>
          ))}
        </ol>
      )}
      {open !== null && <IncidentView id={open} />}
      <p class="muted">
        <code>upkeep incidents {name}</code>
      </p>
    </div>
  );
}
