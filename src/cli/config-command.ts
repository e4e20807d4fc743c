/**
 * [REQ-01] `virtfleet config validate [DIR]` checks the four configuration files offline: `ok: FILE` per valid file
 * (exit 0), or one `FILE:LINE:COLUMN: key.path: what was expected` line per problem on stderr (exit 2).
 * `virtfleet config show [DIR]` prints the effective configuration, defaults included, as YAML documents.
 * DIR defaults to $VIRTFLEET_CONFIG_DIR, else /etc/virtfleet.
 */
import type { Command } from 'commander';
import { dump } from 'js-yaml';
import { configDirFromEnvironment } from '../config/config-dir.js';
import { CONFIG_FILE_NAMES } from '../config/config-file-loader.js';
import { inspectConfigDir, type ConfigDirReport } from '../config/load-config.js';
import { formatProblem } from '../errors/config-error.js';
import type { CliIo } from './index.js';

const INVALID_CONFIG_EXIT_CODE = 2;

export function registerConfigCommands(program: Command, io: CliIo): void {
  const defaultDir = configDirFromEnvironment();
  const config = program.command('config').description('Check and show the configuration files (controller, ssh, libvirt, transfer)');
  config
    .command('validate')
    .description('Validate the configuration files of a directory; missing files mean defaults')
    .argument('[dir]', 'configuration directory', defaultDir)
    .action((dir: string) => {
      const report = inspectConfigDir(dir);
      for (const file of report.files) {
        if (file.problems.length === 0) io.out.write(`ok: ${file.file}${file.present ? '' : ' (absent: defaults apply)'}\n`);
      }
      reportProblems(report, io);
    });
  config
    .command('show')
    .description('Print the effective configuration (files merged with defaults) as YAML, one document per file')
    .argument('[dir]', 'configuration directory', defaultDir)
    .action((dir: string) => {
      const report = inspectConfigDir(dir);
      if (report.config === undefined) {
        reportProblems(report, io);
        return;
      }
      const { config: effective } = report;
      const documents = report.files.map((file) => `# ${CONFIG_FILE_NAMES[file.section]}\n${dump(effective[file.section], { lineWidth: -1 })}`);
      io.out.write(documents.join('---\n'));
    });
}

function reportProblems(report: ConfigDirReport, io: CliIo): void {
  if (report.problems.length === 0) return;
  for (const problem of report.problems) io.err.write(`${formatProblem(problem)}\n`);
  io.setExitCode(INVALID_CONFIG_EXIT_CODE);
}
