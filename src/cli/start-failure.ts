/**
 * [REQ-01] How a long-running command reports that it could not start: configuration problems one per line
 * (`FILE:LINE:COLUMN: key.path: what was expected`) with exit code 2, any other failure in one line with 1.
 */
import { ConfigError, formatProblem } from '../errors/config-error.js';
import type { CliIo } from './index.js';

const INVALID_CONFIG_EXIT_CODE = 2;
const START_FAILED_EXIT_CODE = 1;

export function reportStartFailure(error: unknown, io: CliIo): void {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) io.err.write(`${formatProblem(problem)}\n`);
    io.setExitCode(INVALID_CONFIG_EXIT_CODE);
    return;
  }
  io.err.write(`virtfleet: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  io.setExitCode(START_FAILED_EXIT_CODE);
}
