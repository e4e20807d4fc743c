/**
 * [REQ-01] Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): the Name column plus the
 * type's printer columns evaluated as JSONPath, dates turned into ages as the CRD table convertor does.
 */
import { JSONPath } from 'jsonpath-plus';
import { isPlainObject } from './field-path.js';
import { humanDuration } from './human-duration.js';
import type { KubeObject, PrinterColumn, ResourceType } from './types.js';

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.',
  priority: 0,
};
const DEFAULT_COLUMNS: PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' }];

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept.split(',')[0] ?? '') && /g=meta\.k8s\.io/.test(accept);
}

function columnsOf(type: ResourceType): PrinterColumn[] {
  return type.printerColumns.length > 0 ? type.printerColumns : DEFAULT_COLUMNS;
}

function cellFor(column: PrinterColumn, object: KubeObject, now: number): unknown {
  const results = JSONPath({ path: `$${column.jsonPath}`, json: object, wrap: true }) as unknown[];
  if (results.length === 0 || results[0] === undefined || results[0] === null) return column.type === 'date' ? '<unknown>' : null;
  const value = results[0];
  switch (column.type) {
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? humanDuration(now - Date.parse(value)) : '<invalid>';
    case 'integer':
      if (isPlainObject(value)) return Object.keys(value).length;
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

function rowObject(object: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export interface TableOptions {
  includeObject: IncludeObject;
  withColumnDefinitions: boolean;
  resourceVersion: string;
  continueToken?: string;
  now: number;
}

export function toTable(type: ResourceType, objects: KubeObject[], options: TableOptions): Record<string, unknown> {
  const columns = columnsOf(type);
  const definitions = [
    NAME_COLUMN,
    ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: options.resourceVersion, ...(options.continueToken ? { continue: options.continueToken } : {}) },
    columnDefinitions: options.withColumnDefinitions ? definitions : null,
    rows: objects.map((object) => ({
      cells: [object.metadata.name ?? '', ...columns.map((c) => cellFor(c, object, options.now))],
      object: rowObject(object, options.includeObject),
    })),
  };
}
