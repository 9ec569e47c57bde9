/**
 * One incident whole (`upkeep incident ID`), in the order an operator reads it: what happened,
 * the last output, the tree as last sampled, the host. Everything is text in text nodes, never
 * markup: the output and process names are whatever the service and other users chose.
 */
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api";
import { formatDuration, formatTime, showControls } from "./format";
import { HostSnapshot, IncidentSample } from "./incident-evidence";
import type { IncidentJson } from "./wire";

export function IncidentView({ id }: { id: number }) {
  const [incident, setIncident] = useState<IncidentJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stale = false;
    setIncident(null);
    getJson<IncidentJson>(`/api/v1/incidents/${id}`).then(
      (i) => !stale && (setIncident(i), setError(null)),
      (err: unknown) => !stale && setError(String(err)),
    );
    return () => {
      stale = true;
    };
  }, [id]);
  if (error) return <p class="bad">{error}</p>;
  if (!incident) return <p class="muted">reading incident {id}…</p>;
  const i = incident;
  const details = Object.entries(i.details);
  return (
    <section class="incident" aria-label={`incident ${i.id}`}>
      <h3>
        Incident {i.id} <span class="kind">{i.kind}</span>
      </h3>
      <p class="reason-full">{showControls(i.summary)}</p>
      <dl class="facts">
        <dt>At</dt>
        <dd>
          <time dateTime={i.ts}>{formatTime(i.ts)}</time>
        </dd>
        <dt>PID</dt>
        <dd>{i.pid ?? "-"}</dd>
        <dt>Ended</dt>
        <dd class="ended">{describeEnd(i)}</dd>
        <dt>Ran for</dt>
        <dd>{formatDuration(i.duration_ms)}</dd>
        <dt>Then</dt>
        <dd>{showControls(i.reason)}</dd>
        {i.suppressed > 0 && (
          <>
            <dt>Also</dt>
            <dd>{i.suppressed} more within a second, not recorded</dd>
          </>
        )}
        {details.map(([key, value]) => (
          <Fragment key={key}>
            <dt>{showControls(key)}</dt>
            <dd>
              <code>{showControls(JSON.stringify(value))}</code>
            </dd>
          </Fragment>
        ))}
      </dl>
      <h4>Last output ({i.output.length} lines, both streams in capture order)</h4>
      {i.output_note && <p class="muted">{i.output_note}</p>}
      {i.output.length > 0 && (
        <pre class="log incident-output" aria-label={`output before incident ${i.id}`}>
          {i.output.map((line, n) => (
            <span key={n} class={`line ${line.stream}`} title={`${line.ts} ${line.stream}`}>
              {showControls(line.text)}
              {"\n"}
            </span>
          ))}
        </pre>
      )}
      <h4>Process tree</h4>
      <IncidentSample incident={i} />
      <h4>Host</h4>
      <HostSnapshot incident={i} />
    </section>
  );
}

function describeEnd(i: IncidentJson): string {
  if (i.signal !== null) return `killed by ${i.signal}`;
  if (i.exit_code !== null) return `exit code ${i.exit_code}`;
  return i.pid === null ? "no process ran" : "unknown (not a child of the daemon)";
}
