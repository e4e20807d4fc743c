/**
 * [REQ-01] Loads the four configuration files of a directory into one deep-frozen, typed VirtfleetConfig, or throws
 * a ConfigError listing every problem in every file. A missing file means its defaults; a YAML file in the
 * directory that is not one of the four is an error (most likely a misspelt name).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors/config-error.js';
import { CONFIG_FILE_NAMES, loadConfigFile, type ConfigFileResult, type ConfigSection } from './config-file-loader.js';
import { deepFreeze } from './deep-freeze.js';
import { nearestName } from './nearest-name.js';
import type { VirtfleetConfig } from './types.js';

export interface ConfigDirReport {
  /** One result per known file, in the order controller, ssh, libvirt, transfer (empty if the directory is unusable). */
  files: ConfigFileResult[];
  /** Every problem: the directory's own, then each file's. */
  problems: ConfigProblem[];
  /** The whole configuration, deep-frozen; undefined when there are problems. */
  config: VirtfleetConfig | undefined;
}

export function loadConfig(dir: string): VirtfleetConfig {
  const report = inspectConfigDir(dir);
  if (report.config === undefined) throw new ConfigError(report.problems);
  return report.config;
}

/** Loads every file of `dir` and reports per file, for callers (such as `virtfleet config validate`) that show each. */
export function inspectConfigDir(dir: string): ConfigDirReport {
  const directoryProblems = problemsOfDirectory(dir);
  if (directoryProblems.unusable) return { files: [], problems: directoryProblems.problems, config: undefined };

  const sections = Object.keys(CONFIG_FILE_NAMES) as ConfigSection[];
  const files = sections.map((section) => loadConfigFile(dir, section));
  const problems = [...directoryProblems.problems, ...files.flatMap((file) => file.problems)];
  if (problems.length > 0) return { files, problems, config: undefined };
  const config = Object.fromEntries(files.map((file) => [file.section, file.value])) as unknown as VirtfleetConfig;
  return { files, problems, config: deepFreeze(config) };
}

function problemsOfDirectory(dir: string): { unusable: boolean; problems: ConfigProblem[] } {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'configuration directory does not exist' : `configuration directory cannot be read (${code ?? String(error)})`;
    return { unusable: true, problems: [{ file: dir, path: '', message }] };
  }
  if (!isDirectory) return { unusable: true, problems: [{ file: dir, path: '', message: 'expected a directory of configuration files, got a file' }] };

  const known = Object.values(CONFIG_FILE_NAMES);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { unusable: true, problems: [{ file: dir, path: '', message: `configuration directory cannot be listed (${code ?? String(error)})` }] };
  }
  const problems = names
    .filter((name) => /\.ya?ml$/.test(name) && !known.includes(name))
    .sort()
    .map((name): ConfigProblem => {
      const suggestion = nearestName(name, known);
      const hint = suggestion === undefined ? `expected only ${known.join(', ')}` : `did you mean '${suggestion}'?`;
      return { file: join(dir, name), path: '', message: `unknown configuration file (${hint})` };
    });
  return { unusable: false, problems };
}
