/**
 * [REQ-01] Loads one configuration file: read, parse YAML, fill defaults and validate with the file's schema, then
 * check rules across keys. A missing file means all defaults. Every problem found is returned, each naming the
 * file, the line and column of the key, the key path and what was expected; any failure to read or parse the
 * file is a problem too, never a thrown error. Output stays bounded for hostile files: a list longer than
 * MAX_LIST_ITEMS is one problem, and past MAX_PROBLEMS_PER_FILE problems the rest are counted, not listed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { YAMLException } from 'js-yaml';
import type { ConfigProblem } from '../errors/config-error.js';
import { CROSS_FIELD_CHECKS } from './cross-field-checks.js';
import { formatKeyPath, type KeyPathSegment } from './key-path.js';
import { describeValue, problemsFromSchemaErrors, type FieldProblem } from './schema-problems.js';
import { controllerConfigSchema } from './schemas/controller-config-schema.js';
import { libvirtConfigSchema } from './schemas/libvirt-config-schema.js';
import { sshConfigSchema } from './schemas/ssh-config-schema.js';
import { transferConfigSchema } from './schemas/transfer-config-schema.js';
import type { VirtfleetConfig } from './types.js';
import { loadYamlWithPositions, type YamlPosition } from './yaml-positions.js';
import { findUnclosed } from './yaml-unclosed.js';

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

/** Problems listed per file; the rest are counted in one more. */
export const MAX_PROBLEMS_PER_FILE = 20;
/** Longest list a configuration file may hold (no setting needs more); longer lists are one problem. */
export const MAX_LIST_ITEMS = 10_000;

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
    return result(true, [yamlProblem(file, text, error)]);
  }

  const document = parsed.document ?? {};
  if (typeof document !== 'object' || Array.isArray(document) || document instanceof Date) {
    return result(true, [{ file, path: '', message: `expected a mapping of keys to values, got ${describeValue(document)}` }]);
  }
  const listProblems = truncateLongLists(document, []);
  const { value, problems } = validateSection(section, document, file, parsed.positions);
  const all = [...listProblems.map((problem) => locate(problem, file, parsed.positions)), ...problems];
  return result(true, boundProblems(file, sortByPosition(all)), value);
}

/**
 * A problem for text js-yaml cannot load: a syntax error (at the line and key where a bracket or quote that is
 * never closed opened, when that is the cause), or any other failure of the parser (e.g. `!!float` on a
 * mapping), so that every failure names the file.
 */
function yamlProblem(file: string, text: string, error: unknown): ConfigProblem {
  if (!(error instanceof YAMLException)) {
    return { file, path: '', message: `cannot be parsed as YAML (${error instanceof Error ? error.message : String(error)})` };
  }
  const unclosed = findUnclosed(text);
  const stoppedAt = error.mark === undefined ? undefined : { line: error.mark.line + 1, column: error.mark.column + 1 };
  if (unclosed !== undefined) {
    const what = unclosed.kind === 'quoted string' ? `quoted string (${unclosed.opener})` : `${unclosed.kind} '${unclosed.opener}'`;
    const parser = stoppedAt === undefined ? error.reason : `${error.reason} at line ${stoppedAt.line}`;
    return {
      file,
      line: unclosed.line,
      column: unclosed.column,
      path: unclosed.keyPath.join('.'),
      message: `invalid YAML: the ${what} opened here is never closed (the parser gave up later: ${parser})`,
    };
  }
  const problem: ConfigProblem = { file, path: '', message: `invalid YAML: ${error.reason}` };
  return stoppedAt === undefined ? problem : { ...problem, ...stoppedAt };
}

/**
 * Cuts every list longer than MAX_LIST_ITEMS down to that length (in place: the document is ours and invalid
 * anyway) and reports it, so that a huge list costs one problem, not one per item.
 */
function truncateLongLists(node: unknown, path: KeyPathSegment[]): FieldProblem[] {
  if (typeof node !== 'object' || node === null || node instanceof Date) return [];
  const problems: FieldProblem[] = [];
  if (Array.isArray(node)) {
    if (node.length > MAX_LIST_ITEMS) {
      problems.push({ path, message: `list of ${node.length} items; at most ${MAX_LIST_ITEMS} are allowed (only the first ${MAX_LIST_ITEMS} were checked)` });
      node.length = MAX_LIST_ITEMS;
    }
    node.forEach((item, index) => problems.push(...truncateLongLists(item, [...path, index])));
  } else {
    for (const [key, value] of Object.entries(node)) problems.push(...truncateLongLists(value, [...path, key]));
  }
  return problems;
}

function sortByPosition(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** The first MAX_PROBLEMS_PER_FILE problems, then one that counts the rest. */
function boundProblems(file: string, problems: ConfigProblem[]): ConfigProblem[] {
  if (problems.length <= MAX_PROBLEMS_PER_FILE) return problems;
  const hidden = problems.length - MAX_PROBLEMS_PER_FILE;
  return [
    ...problems.slice(0, MAX_PROBLEMS_PER_FILE),
    { file, path: '', message: `${hidden} more problem${hidden === 1 ? '' : 's'} not shown (${problems.length} in all)` },
  ];
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
  return { value, problems: sortByPosition(fieldProblems.map((problem) => locate(problem, file, positions))) };
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
