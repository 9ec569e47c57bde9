import { UpkeepError } from "../core/errors.js";

/**
 * Refuses a service name no config can hold and that could name another file once it reaches
 * a path (logs, pids): with `/` or NUL, or `.`/`..`. Said before any lookup, as a 400.
 */
export function assertServiceName(name: string, where: string): void {
  if (name !== "" && name !== "." && name !== ".." && !/[/\0]/.test(name)) return;
  throw new UpkeepError(
    "API_BAD_REQUEST",
    `${where} names the service ${JSON.stringify(name.slice(0, 200))}, which no service can be called`,
    {
      hint: "a service name has no '/' or NUL character and is not '.' or '..'; `upkeep status` lists the names",
      details: { got: name.slice(0, 200) },
    },
  );
}
