/**
 * [REQ-01] The fields of the built-in kinds the server serves, as structural schemas: what is not listed is an
 * unknown field (pruned, warned about or refused per fieldValidation, as the real decoder does), and the types
 * listed are the ones the real decoder insists on. Nested objects nobody here interprets keep their content.
 */
import type { JsonSchema } from './types.js';

const string: JsonSchema = { type: 'string' };
const integer: JsonSchema = { type: 'integer' };
const boolean: JsonSchema = { type: 'boolean' };
const time: JsonSchema = { type: 'string', format: 'date-time', nullable: true };
const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
const opaque: JsonSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const opaqueList: JsonSchema = { type: 'array', items: opaque };
const object = (properties: Record<string, JsonSchema>): JsonSchema => ({ type: 'object', properties });

const CORE_EVENT = object({
  involvedObject: opaque,
  reason: string,
  message: string,
  source: opaque,
  firstTimestamp: time,
  lastTimestamp: time,
  count: integer,
  type: string,
  eventTime: time,
  series: opaque,
  action: string,
  related: opaque,
  reportingComponent: string,
  reportingInstance: string,
});

const EVENTS_V1_EVENT = object({
  eventTime: time,
  series: opaque,
  reportingController: string,
  reportingInstance: string,
  action: string,
  reason: string,
  regarding: opaque,
  related: opaque,
  note: string,
  type: string,
  deprecatedSource: opaque,
  deprecatedFirstTimestamp: time,
  deprecatedLastTimestamp: time,
  deprecatedCount: integer,
});

/** By `group/plural` (the core group is ''). */
export const CORE_SCHEMAS: Record<string, JsonSchema> = {
  '/namespaces': object({ spec: opaque, status: opaque }),
  '/secrets': object({ data: stringMap, stringData: stringMap, type: string, immutable: boolean }),
  '/configmaps': object({ data: stringMap, binaryData: stringMap, immutable: boolean }),
  '/serviceaccounts': object({ secrets: opaqueList, imagePullSecrets: opaqueList, automountServiceAccountToken: boolean }),
  '/events': CORE_EVENT,
  'events.k8s.io/events': EVENTS_V1_EVENT,
  'coordination.k8s.io/leases': object({
    spec: object({
      holderIdentity: { type: 'string', nullable: true },
      leaseDurationSeconds: { type: 'integer', nullable: true },
      acquireTime: time,
      renewTime: time,
      leaseTransitions: { type: 'integer', nullable: true },
      strategy: string,
      preferredHolder: string,
    }),
  }),
  'authorization.k8s.io/selfsubjectaccessreviews': object({ spec: opaque, status: opaque }),
};
