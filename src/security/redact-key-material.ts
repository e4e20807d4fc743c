/**
 * [REQ-05] Private keys inside free text, in every form a secret store or a host may hand us, for
 * redact-rules.ts:
 * - armoured blocks: PEM (`-----BEGIN ... PRIVATE KEY-----`), ssh.com (`---- BEGIN SSH2 ENCRYPTED PRIVATE KEY
 *   ----`) and PuTTY PPK (`PuTTY-User-Key-File-N:` through `Private-MAC:`), each even when cut off before its
 *   end;
 * - bare base64 runs (lines joined): a whole armoured key encoded once more (what a Secret's `.data` holds),
 *   or a key body without its header: OpenSSH (`openssh-key-v1`), ssh.com (magic 3f6ff9eb), or DER of a
 *   PKCS#1, PKCS#8 (also encrypted) or SEC1 private key. Public keys and certificates are left alone.
 * `startsKeyBlock` / `endsKeyBlock` let the caller follow a key split over several strings (array elements).
 * Everything runs in time linear in the text.
 */

/** What every redacted value becomes (re-exported by redact-rules.ts). */
export const REDACTED = '[REDACTED]';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END ([A-Z0-9]+ )*PRIVATE KEY-----|[\s\S]*$)/g;
const SSH_COM_BLOCK = /---- BEGIN SSH2 (?:ENCRYPTED )?PRIVATE KEY ----(?:[\s\S]*?---- END SSH2 (?:ENCRYPTED )?PRIVATE KEY ----|[\s\S]*$)/g;
const PUTTY_BLOCK = /PuTTY-User-Key-File-\d+:(?:[\s\S]*?Private-MAC:[ \t]*[0-9a-fA-F]*|[\s\S]*$)/g;
/** Runs of base64 characters (possibly over several lines) shorter than this are words, not keys. */
const MIN_KEY_RUN = 40;
const BASE64_RUN_CHARS = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n') BASE64_RUN_CHARS[char.charCodeAt(0)] = 1;

const BLOCK_START = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----|---- BEGIN SSH2 (?:ENCRYPTED )?PRIVATE KEY ----|PuTTY-User-Key-File-\d+:/;
const BLOCK_END = /-----END ([A-Z0-9]+ )*PRIVATE KEY-----|---- END SSH2 (?:ENCRYPTED )?PRIVATE KEY ----|Private-MAC:/;

/** Text that, decoded from base64, shows a key. */
const DECODED_MARKERS = ['PRIVATE KEY', 'openssh-key-v1', 'PuTTY-User-Key-File'];
const SSH_COM_MAGIC = Buffer.from([0x3f, 0x6f, 0xf9, 0xeb]);
/** OIDs that open the AlgorithmIdentifier of an encrypted PKCS#8 key: PBES1/PBES2 (1.2.840.113549.1.5) and PKCS#12 PBE. */
const PBE_OID_PREFIXES = [Buffer.from('06092a864886f70d0105', 'hex'), Buffer.from('060a2a864886f70d010c01', 'hex')];

export function redactKeyMaterial(text: string): string {
  return redactEncodedKeys(text
    .replace(PEM_BLOCK, `-----BEGIN PRIVATE KEY----- ${REDACTED}`)
    .replace(SSH_COM_BLOCK, `---- BEGIN SSH2 PRIVATE KEY ---- ${REDACTED}`)
    .replace(PUTTY_BLOCK, `PuTTY-User-Key-File: ${REDACTED}`));
}

/** Replaces each run of base64 that decodes to a key; one pass over the text. */
function redactEncodedKeys(text: string): string {
  let result = '';
  let copiedUpTo = 0;
  let runStart = 0;
  for (let index = 0; index <= text.length; index += 1) {
    const code = index < text.length ? text.charCodeAt(index) : 0;
    if (code < 128 && BASE64_RUN_CHARS[code] === 1) continue;
    if (index - runStart >= MIN_KEY_RUN && isEncodedKey(text.slice(runStart, index))) {
      result += `${text.slice(copiedUpTo, runStart)}${REDACTED}`;
      copiedUpTo = index;
    }
    runStart = index + 1;
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}

/** True when the text opens a key (header or PuTTY first line) that it does not also close. */
export function startsKeyBlock(text: string): boolean {
  const start = BLOCK_START.exec(text);
  return start !== null && !BLOCK_END.test(text.slice(start.index));
}

/** True when the text closes a key block (its END line, or PuTTY's Private-MAC). */
export function endsKeyBlock(text: string): boolean {
  return BLOCK_END.test(text);
}

function isEncodedKey(run: string): boolean {
  const compact = run.replace(/[\r\n]/g, '');
  if (compact.length < MIN_KEY_RUN) return false;
  for (let offset = 0; offset < 4; offset += 1) {
    const decoded = Buffer.from(compact.slice(offset), 'base64');
    if (offset === 0 && (decoded.subarray(0, 4).equals(SSH_COM_MAGIC) || isDerPrivateKey(decoded))) return true;
    const latin1 = decoded.toString('latin1');
    if (DECODED_MARKERS.some((marker) => latin1.includes(marker))) return true;
  }
  return false;
}

/**
 * A DER SEQUENCE whose first element is INTEGER 0 or 1 (PKCS#1, PKCS#8 and SEC1 private keys begin with their
 * version), or an AlgorithmIdentifier of password-based encryption (encrypted PKCS#8). Public keys (SPKI) and
 * certificates begin with a SEQUENCE of other content.
 */
function isDerPrivateKey(der: Buffer): boolean {
  if (der[0] !== 0x30 || der.length < 8) return false;
  const lengthByte = der[1] ?? 0;
  const header = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
  if (header > 5) return false;
  const body = der.subarray(header);
  if (body[0] === 0x02 && body[1] === 0x01 && (body[2] === 0x00 || body[2] === 0x01)) return true;
  if (body[0] !== 0x30) return false;
  const inner = body.subarray((body[1] ?? 0) < 0x80 ? 2 : 2 + ((body[1] ?? 0) & 0x7f));
  return PBE_OID_PREFIXES.some((prefix) => inner.subarray(0, prefix.length).equals(prefix));
}
