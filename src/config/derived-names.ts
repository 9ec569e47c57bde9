/**
 * A service's name becomes file names in the state dir and a cgroup directory name: names that
 * `config check` accepted but the daemon could not create made it fault at run time (a
 * 245-character name failed on its PID file's spare, `cgroup.procs` as a name at its cgroup).
 * These checks reject such names when the config is read, with the limit in the message. The
 * name checked is the final one: an instance's `web@hostA`.
 */
import type { Field, ProblemSink } from "./problem-sink.js";

/** NAME_MAX of Linux file systems: the longest file name, in bytes. */
export const NAME_MAX_BYTES = 255;

/**
 * The file names upkeep derives from a service name (src/service/pid-file.ts, src/logs/log-files.ts,
 * src/core/atomic-write.ts), with `keep` rotated log generations. A PID has at most 7 digits
 * (pid_max is at most 4194304). The cgroup directory is the name itself.
 */
function derivedNames(name: string, keep: number): string[] {
  return [
    `.${name}.pid.spare`,
    `${name}.pid.tmp-4194304`,
    `${name}.out.fifo`,
    `${name}.idx.${keep}`,
    `${name}.out.log.${keep}`,
  ];
}

/** The controllers whose interface files (`memory.max`, `cpu.stat`) share a cgroup's folder. */
const CGROUP_FILE_PREFIXES = [
  "cgroup",
  "cpu",
  "cpuset",
  "io",
  "memory",
  "pids",
  "rdma",
  "hugetlb",
  "misc",
  "irq",
];

/** Reports a name whose derived files or cgroup directory cannot exist. */
export function checkDerivedNames(sink: ProblemSink, entry: Field, name: string, keep: number): void {
  const longest = derivedNames(name, keep).reduce((a, b) =>
    Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a,
  );
  const bytes = Buffer.byteLength(longest);
  if (bytes > NAME_MAX_BYTES) {
    const room = NAME_MAX_BYTES - (bytes - Buffer.byteLength(name));
    const pattern = longest.replace(name, "<name>").replace("4194304", "<pid>");
    sink.problem(
      "CONFIG_BAD_VALUE",
      entry.keyWhere,
      entry.path,
      `service name ${name.slice(0, 20)}… is ${name.length} characters: the longest file name upkeep ` +
        `derives from it, ${pattern}, would be ${bytes} bytes, over the ${NAME_MAX_BYTES}-byte limit of a file name`,
      `a name of at most ${room} characters${name.includes("@") ? ", instance included" : ""}`,
      `${name.length} characters`,
    );
  }
  const prefix = name.split(".", 1)[0]!;
  if (name.includes(".") && CGROUP_FILE_PREFIXES.includes(prefix)) {
    sink.problem(
      "CONFIG_BAD_VALUE",
      entry.keyWhere,
      entry.path,
      `service name ${JSON.stringify(name)} has the form of a cgroup interface file (${prefix}.*), ` +
        `so its cgroup directory cannot be made beside those files`,
      `a name that does not start with ${CGROUP_FILE_PREFIXES.map((p) => `'${p}.'`).join(", ")}`,
      JSON.stringify(name),
    );
  }
}
