/**
 * [REQ-01] Bounds text that a peer or a document can make arbitrarily long (a libvirt error message, an XML
 * parser's complaint) before it goes into a condition, an Event or a log line: the start is kept and a marker
 * says how much was cut. A condition's message must fit the CRD's `maxLength` (32768) or the status write is
 * rejected and the user sees nothing.
 */

/** Default bound, in UTF-16 code units (never more than the characters Kubernetes counts). */
export const MESSAGE_MAX_CHARS = 4096;

/** `text` itself when it fits in `maxChars`, otherwise its start plus a marker, `maxChars` long at most. */
export function truncateMessage(text: string, maxChars = MESSAGE_MAX_CHARS): string {
  if (text.length <= maxChars) return text;
  const marker = ` …[truncated ${text.length} characters to ${maxChars}]`;
  let keep = Math.max(0, maxChars - marker.length);
  const last = text.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1; // never split a surrogate pair
  return `${text.slice(0, keep)}${marker}`.slice(0, maxChars);
}
