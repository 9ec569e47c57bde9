/**
 * Control characters (C0 but tab, DEL, C1) as `\xNN`: text a service or a process name chose
 * (colour codes, a terminal's escape sequences) shown as what it is, on a terminal or in a
 * mail. The dashboard has its own copy (web/src/format.ts): the page's bundle takes nothing of
 * the daemon's code.
 */
export function showControls(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
