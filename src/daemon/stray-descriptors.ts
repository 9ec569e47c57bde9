/**
 * Descriptors the daemon inherited from whoever started it, beyond stdio: a pipe the calling
 * shell had open (`exec 251>…`), a CI runner's or an ssh session's end of a pipe, systemd's
 * LISTEN_FDS. upkeep uses none of them, and holding one keeps its reader from ever seeing end
 * of file: a CI job that waits for its pipe to close would hang for as long as the daemon runs.
 * Node's child_process passes every descriptor without close-on-exec to its children (libuv
 * closes none), so a daemon that kept them would also hand them to every service it spawns
 * that way.
 *
 * Everything Node and libuv open is close-on-exec; a descriptor above 2 without that flag was
 * therefore inherited, and is closed here, first thing at start-up, before the daemon opens
 * anything of its own. Node's IPC channel (NODE_CHANNEL_FD, when a Node parent started the
 * daemon with an `ipc` stdio) is kept.
 */
import { closeSync, readdirSync, readFileSync } from "node:fs";

const O_CLOEXEC = 0o2000000;

/** The descriptors above 2 without close-on-exec, by number (from /proc/self/fdinfo). */
export function findStrayDescriptors(): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc/self/fd");
  } catch (err) {
    // No /proc: nothing can be told apart; the native spawner still gives services stdio only.
    process.emitWarning(`cannot list /proc/self/fd to close inherited descriptors: ${String(err)}`);
    return [];
  }
  const channel = Number(process.env["NODE_CHANNEL_FD"] ?? -1);
  const stray: number[] = [];
  for (const entry of entries) {
    const fd = Number(entry);
    if (!Number.isInteger(fd) || fd <= 2 || fd === channel) continue;
    const flags = readFlags(fd);
    if (flags !== null && (flags & O_CLOEXEC) === 0) stray.push(fd);
  }
  return stray.sort((a, b) => a - b);
}

/** Closes what findStrayDescriptors finds; returns the numbers closed. */
export function closeStrayDescriptors(): number[] {
  const stray = findStrayDescriptors();
  for (const fd of stray) closeSync(fd);
  return stray;
}

/** The open flags of fd (the octal `flags:` of its fdinfo), or null when it is gone. */
function readFlags(fd: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8");
  } catch {
    return null; // closed between the listing and the read (the listing's own descriptor)
  }
  const match = /^flags:\s*([0-7]+)$/m.exec(text);
  return match ? parseInt(match[1]!, 8) : null;
}
