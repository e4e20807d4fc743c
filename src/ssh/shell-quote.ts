/**
 * [REQ-02] The one place where an argv becomes the command string sshd hands to the remote shell.
 * POSIX single-quote quoting: every argument is wrapped in '...', and an embedded ' becomes '\''. Inside single
 * quotes a POSIX shell expands nothing ($, `, \, newlines, globs and ; are literal), so each element arrives as
 * exactly one argument, byte for byte.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArgument(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('a command argument cannot contain a NUL byte');
  if (arg !== '' && SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function argvToCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('a remote command needs at least one argument');
  return argv.map(quoteArgument).join(' ');
}
