/**
 * The daemon's end of $NOTIFY_SOCKET (the sd_notify protocol): a service of type notify sends
 * datagrams of "KEY=VALUE" lines ("READY=1\nSTATUS=listening\n") to the AF_UNIX datagram
 * socket named by NOTIFY_SOCKET. Node has no datagram UNIX sockets, so the native addon binds
 * and reads it (native/notify.c) and libuv polls its fd; there is no fallback without the addon.
 *
 * Who may send: a path socket keeps the mode bind(2) gives it (0777 minus the umask); an
 * address starting with '@' (what the daemon uses, see supervisor/readiness.ts) is a socket in
 * the abstract namespace, which has no permissions at all. Either way the daemon accepts a
 * message only when its `pid` (the kernel's SO_PASSCRED credentials, which a sender cannot
 * forge) belongs to the service's tree.
 */
import { closeSync, unlinkSync } from "node:fs";
import { isErrno } from "../core/errors.js";
import { native, nativeError, nativeLoadError, type NativeAddon, type PollHandle } from "../core/native.js";

/** One sd_notify message: the sender (as the kernel saw it) and its KEY=VALUE fields. */
export interface NotifyMessage {
  /** The sending process, 0 when the kernel could not name it (another PID namespace). */
  pid: number;
  /** The sender's user ID, -1 when unknown. */
  uid: number;
  /** The message's fields in order; for a key given twice, the last value. */
  fields: Map<string, string>;
}

export interface NotifySocketOptions {
  /** The socket could not be read (should not happen; it is then no longer polled). Default: a process warning. */
  onError?: (error: Error) => void;
}

/** A bound notify socket; messages go to every onMessage callback until close(). */
export class NotifySocket {
  private readonly listeners = new Set<(message: NotifyMessage) => void>();
  private poll: PollHandle | null = null;
  private closed = false;

  private constructor(
    /** The socket file's path: what NOTIFY_SOCKET is set to. */
    readonly path: string,
    private readonly fd: number,
    private readonly addon: NativeAddon,
    private readonly onError: (error: Error) => void,
  ) {}

  /**
   * Binds a socket at `path` (a stale socket file there is replaced). Throws when the addon is
   * not loaded, or the bind's error (`code` ENAMETOOLONG for a path over 107 bytes, EEXIST
   * when a file that is not a socket is in the way, EACCES, ENOENT for a missing folder).
   */
  static open(path: string, options: NotifySocketOptions = {}): NotifySocket {
    if (native === null) throw new Error(`notify readiness needs the native addon: ${nativeLoadError}`);
    if (typeof native.notifyBind !== "function") {
      throw new Error(
        "notify readiness needs the native addon built with native/notify.c: this build predates it (run npm ci)",
      );
    }
    let fd: number;
    try {
      fd = native.notifyBind(path);
    } catch (err) {
      throw nativeError(err);
    }
    return new NotifySocket(path, fd, native, options.onError ?? ((error) => process.emitWarning(error)));
  }

  /**
   * Calls `callback` with each message received from now on; returns its removal. Polling
   * starts with the first callback: until then datagrams wait in the socket, none is lost.
   * The poll is referenced (it keeps the process alive) until close().
   */
  onMessage(callback: (message: NotifyMessage) => void): () => void {
    if (this.closed) throw new Error(`notify socket ${this.path} is closed`);
    if (this.poll === null) {
      try {
        this.poll = this.addon.pollReadable(this.fd, () => this.readable());
      } catch (err) {
        throw nativeError(err); // uv_poll_init/uv_poll_start: ENOMEM, ENOSPC (epoll's watch limit)
      }
    }
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /** Stops polling, closes the socket and removes its file. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPoll();
    closeSync(this.fd);
    this.listeners.clear();
    if (this.path.startsWith("@")) return; // abstract: there is no file, and the name is gone with the fd
    try {
      unlinkSync(this.path);
    } catch (err) {
      // ENOENT: someone removed it already (a cleanup of the state dir); the goal is reached.
      if (!isErrno(err, "ENOENT")) throw err;
    }
  }

  private readable(): void {
    if (this.closed) return;
    let datagrams;
    try {
      datagrams = this.addon.notifyReceive(this.fd);
    } catch (err) {
      // The poll is level-triggered: polling on after a lasting error would spin the loop.
      this.stopPoll();
      this.onError(nativeError(err));
      return;
    }
    for (const datagram of datagrams) {
      const message: NotifyMessage = {
        pid: datagram.pid,
        uid: datagram.uid,
        fields: parseNotifyText(datagram.text),
      };
      for (const listener of [...this.listeners]) {
        if (this.closed) return;
        try {
          listener(message);
        } catch (err) {
          // Reported as uncaught, as an event emitter's would be, without keeping the other
          // callbacks and the rest of this batch from their messages.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
  }

  private stopPoll(): void {
    if (this.poll !== null) this.addon.stopPoll(this.poll);
    this.poll = null;
  }
}

/** The KEY=VALUE lines of a notify message; lines without "=" or with an empty key are ignored. */
export function parseNotifyText(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const equals = line.indexOf("=");
    if (equals <= 0) continue;
    fields.set(line.slice(0, equals), line.slice(equals + 1));
  }
  return fields;
}
