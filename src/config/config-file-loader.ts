/**
 * [REQ-01] Loads one configuration file: read, parse YAML, fill defaults and validate with the file's schema, then
 * check rules across keys. A missing file means all defaults. Every problem found is returned, each naming the
 * file, the line and column of the key, the key path and what was expected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { YAMLException } from 'js-yaml';
import type { ConfigProblem } from '../errors/config-error.js';
import { CROSS_FIELD_CHECKS } from './cross-field-checks.js';
import { formatKeyPath } from './key-path.js';
import { describeValue, problemsFromSchemaErrors, type FieldProblem } from './schema-problems.js';
import { controllerConfigSchema } from './schemas/controller-config-schema.js';
import { libvirtConfigSchema } from './schemas/libvirt-config-schema.js';
import { sshConfigSchema } from './schemas/ssh-config-schema.js';
import { transferConfigSchema } from './schemas/transfer-config-schema.js';
import type { VirtfleetConfig } from './types.js';
import { loadYamlWithPositions, type YamlPosition } from './yaml-positions.js';

export type ConfigSection = keyof VirtfleetConfig;

export const CONFIG_FILE_NAMES: Readonly<Record<ConfigSection, string>> = {
  controller: 'controller_config.yaml',
  ssh: 'ssh_config.yaml',
  libvirt: 'libvirt_config.yaml',
  transfer: 'transfer_config.yaml',
};

/** One JSON schema per file (ajv 8, draft-07 keywords), e.g. to render a Helm values schema from. */
export const CONFIG_SCHEMAS = {
  controller: controllerConfigSchema,
  ssh: sshConfigSchema,
  libvirt: libvirtConfigSchema,
  transfer: transferConfigSchema,
} as const;

export interface ConfigFileResult<S extends ConfigSection = ConfigSection> {
  section: S;
  /** Path of the file: the directory joined with the file name. */
  file: string;
  /** False when the file does not exist (its defaults apply). */
  present: boolean;
  /** The file's settings with defaults filled in; undefined when there are problems. */
  value: VirtfleetConfig[S] | undefined;
  problems: ConfigProblem[];
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
const validators = new Map<ConfigSection, ValidateFunction>();

function validatorOf(section: ConfigSection): ValidateFunction {
  let validate = validators.get(section);
  if (validate === undefined) {
    validate = ajv.compile(CONFIG_SCHEMAS[section]);
    validators.set(section, validate);
  }
  return validate;
}

export function loadConfigFile<S extends ConfigSection>(dir: string, section: S): ConfigFileResult<S> {
  const file = join(dir, CONFIG_FILE_NAMES[section]);
  const result = (present: boolean, problems: ConfigProblem[], value?: VirtfleetConfig[S]): ConfigFileResult<S> => ({
    section,
    file,
    present,
    value: problems.length === 0 ? value : undefined,
    problems,
  });

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return result(false, [], validateSection(section, {}, file, new Map()).value);
    return result(true, [{ file, path: '', message: `cannot be read (${code ?? String(error)})` }]);
  }

  let parsed;
  try {
    parsed = loadYamlWithPositions(text, file);
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const problem: ConfigProblem = { file, path: '', message: `invalid YAML: ${error.reason}` };
    return result(true, [error.mark === undefined ? problem : { ...problem, line: error.mark.line + 1, column: error.mark.column + 1 }]);
  }

  const document = parsed.document ?? {};
  if (typeof document !== 'object' || Array.isArray(document) || document instanceof Date) {
    return result(true, [{ file, path: '', message: `expected a mapping of keys to values, got ${describeValue(document)}` }]);
  }
  const { value, problems } = validateSection(section, document, file, parsed.positions);
  return result(true, problems, value);
}

function validateSection<S extends ConfigSection>(
  section: S,
  document: object,
  file: string,
  positions: ReadonlyMap<string, YamlPosition>,
): { value: VirtfleetConfig[S]; problems: ConfigProblem[] } {
  const validate = validatorOf(section);
  const value = document as VirtfleetConfig[S];
  const fieldProblems = validate(document)
    ? (CROSS_FIELD_CHECKS[section] as (config: VirtfleetConfig[S]) => FieldProblem[])(value)
    : problemsFromSchemaErrors(validate.errors ?? [], document);
  const problems = fieldProblems.map((problem) => locate(problem, file, positions));
  return { value, problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)) };
}

/** Gives a problem its file and the position of its key, or of the nearest enclosing key that is in the file. */
function locate(problem: FieldProblem, file: string, positions: ReadonlyMap<string, YamlPosition>): ConfigProblem {
  const path = formatKeyPath(problem.path);
  for (let depth = problem.path.length; depth > 0; depth--) {
    const position = positions.get(formatKeyPath(problem.path.slice(0, depth)));
    if (position !== undefined) return { file, line: position.line, column: position.column, path, message: problem.message };
  }
  return { file, path, message: problem.message };
}
