/**
 * [REQ-04] The POSIX shell the engine runs on a destination host (no agent: sh, coreutils, util-linux `flock`
 * and `openssl`, all in a minimal Debian). Every script takes its paths as positional parameters, so argv
 * quoting (src/ssh/shell-quote.ts) is the only quoting. The manifest is also the lock: whoever writes to a
 * `.part` holds `flock` on its manifest, so a writer left over from a dropped connection can never interleave
 * with the next attempt.
 */

/** Exit status of a script that could not take the manifest lock in time. */
export const LOCK_BUSY_EXIT = 75;
/** Exit status of the chunk writer when a chunk arrived short (the connection dropped mid-chunk). */
export const SHORT_CHUNK_EXIT = 76;

const LOCK = `exec 9>>"$man"; flock -w 10 9 || exit ${LOCK_BUSY_EXIT}`;

/**
 * `probe final part man dir`: creates the directory, then prints `final` if the final file exists, `free <bytes>`
 * for the directory's file system, and, if a staged file exists, `manifest` followed by the manifest's text.
 */
export const PROBE_SCRIPT = `final=$1 part=$2 man=$3 dir=$4
mkdir -p -- "$dir" || exit 1
[ -e "$final" ] && echo final
df -P -B1 -- "$dir" | awk 'NR==2 { print "free " $4 }'
if [ -f "$part" ] && [ -f "$man" ]; then echo manifest; cat -- "$man"; fi
exit 0`;

/** `hash part chunkBytes index...`: the SHA-256 of each listed chunk of the file, one hex per line. */
export const HASH_CHUNKS_SCRIPT = `f=$1 bs=$2; shift 2
for i; do dd if="$f" bs="$bs" skip="$i" count=1 status=none | openssl dgst -sha256 -r | cut -d' ' -f1; done`;

/**
 * `stage part man size keepBytes` with the manifest on stdin: under the lock, keeps the first keepBytes of the
 * staged file (0: a fresh file), makes the rest a hole up to size, and replaces the manifest with stdin.
 */
export const STAGE_SCRIPT = `part=$1 man=$2 size=$3 keep=$4
${LOCK}
if [ "$keep" = 0 ]; then rm -f -- "$part"; fi
truncate -s "$keep" -- "$part" && truncate -s "$size" -- "$part" || exit 1
cat > "$man"`;

/**
 * `write part man`: under the lock, reads `<index> <offset> <length> <digest>` lines from stdin, each followed by
 * exactly length bytes (none for a hole), writes them at offset, appends `<index> <digest>` to the manifest only
 * once the whole chunk is in the file, and prints the index as the acknowledgement. EOF ends it cleanly.
 */
export const WRITE_SCRIPT = `part=$1 man=$2
${LOCK}
while read -r i off len digest; do
  if [ "$len" -gt 0 ]; then
    r=$(dd of="$part" bs="$len" count=1 iflag=fullblock oflag=seek_bytes seek="$off" conv=notrunc status=noxfer 2>&1)
    case "$r" in "1+0 records in"*) ;; *) echo "short chunk $i: $r" >&2; exit ${SHORT_CHUNK_EXIT} ;; esac
  fi
  printf '%s %s\\n' "$i" "$digest" >&9 || exit 1
  echo "$i"
done`;

/** `digest file`: the file's SHA-256 with OpenSSL (SHA-NI; coreutils sha256sum is ~6x slower). */
export const DIGEST_ARGV = (file: string): string[] => ['openssl', 'dgst', '-sha256', '-r', file];

/** `commit part final man`: renames the verified file into place (rename(2), atomic) and drops the manifest. */
export const COMMIT_SCRIPT = `part=$1 final=$2 man=$3
mv -fT -- "$part" "$final" && rm -f -- "$man"`;

/** `remove path...`: removes staged files and manifests. */
export const REMOVE_ARGV = (paths: readonly string[]): string[] => ['rm', '-f', '--', ...paths];

/** argv that runs one of the scripts above with its positional parameters. */
export function shArgv(script: string, args: ReadonlyArray<string | number>): string[] {
  return ['sh', '-c', script, 'sh', ...args.map(String)];
}
