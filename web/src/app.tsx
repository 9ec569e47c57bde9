/** The page: log in (a code from `upkeep ui`, or the session cookie), then the dashboard. */
import { useEffect, useState } from "preact/hooks";
import { ApiError, logIn } from "./api";
import { Dashboard } from "./dashboard";

type Phase = { kind: "checking" } | { kind: "in" } | { kind: "out"; why: string };

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: "checking" });
  useEffect(() => {
    logIn().then(
      (result) =>
        setPhase(
          result === "ok" ? { kind: "in" } : { kind: "out", why: "This browser has no upkeep session." },
        ),
      (err: unknown) => {
        const why =
          err instanceof ApiError ? `${err.message}.` : `The daemon did not answer (${String(err)}).`;
        setPhase({ kind: "out", why });
      },
    );
  }, []);
  if (phase.kind === "checking") return <p class="boot">upkeep dashboard: logging in…</p>;
  if (phase.kind === "out") return <LoggedOut why={phase.why} />;
  return <Dashboard onLoggedOut={() => setPhase({ kind: "out", why: "The session has ended." })} />;
}

function LoggedOut({ why }: { why: string }) {
  return (
    <main class="login">
      <h1>upkeep</h1>
      <p>{why}</p>
      <p>
        Run <code>upkeep ui</code> on the daemon's host and open the link it prints. A link works once, for
        two minutes.
      </p>
    </main>
  );
}
