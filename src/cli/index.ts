/**
 * [REQ-01] The `virtfleet` command line: `run` starts the operator, `standalone` an embedded control plane with
 * it, `host add-local` makes this machine a Host, `config validate` and `audit verify` are offline checks. Returns the process exit code instead of exiting, so it can be tested in-process.
 */
import { Command, CommanderError } from 'commander';
import { registerConfigCommands } from './config-command.js';
import { registerAuditCommands } from './audit-command.js';
import { registerRunCommand } from './run-command.js';
import { registerStandaloneCommand } from './standalone-command.js';
import { registerHostCommands } from './host-command.js';

export async function runCli(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let exitCode = 0;
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('virtfleet')
    .description('Run virtual machines on libvirt hosts reached over SSH, declared as Kubernetes resources')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  registerConfigCommands(program, { out, err, setExitCode });
  registerAuditCommands(program, { out, err, setExitCode });
  registerRunCommand(program, { out, err, setExitCode });
  registerStandaloneCommand(program, { out, err, setExitCode });
  registerHostCommands(program, { out, err, setExitCode });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return exitCode;
}

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  setExitCode(code: number): void;
}
