/** [REQ-01] A small CRD (Widget, namespaced, shortName wd) written to a temp dir for the test API server's own tests. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';

export const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.test.virtfleet.io' },
  spec: {
    group: 'test.virtfleet.io',
    scope: 'Namespaced',
    names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', shortNames: ['wd'], categories: ['virtfleet'] },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Strategy', type: 'string', jsonPath: '.spec.runStrategy' },
          { name: 'Port', type: 'integer', jsonPath: '.spec.port' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'IP', type: 'string', jsonPath: '.status.ip', priority: 1 },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                'x-kubernetes-validations': [
                  { rule: 'self.minCores <= self.maxCores', message: 'minCores must not exceed maxCores', fieldPath: '.minCores' },
                  { rule: '!has(oldSelf.size) || self.size == oldSelf.size', message: 'size is immutable' },
                ],
                properties: {
                  size: { type: 'string', description: 'Size of the widget.', minLength: 1 },
                  port: { type: 'integer', default: 22, minimum: 1, maximum: 65535 },
                  runStrategy: { type: 'string', enum: ['Always', 'Halted', 'Manual'], default: 'Always' },
                  minCores: { type: 'integer', default: 1 },
                  maxCores: { type: 'integer', default: 4 },
                  tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
                  disks: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['name'],
                    items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, size: { type: 'string' } } },
                  },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
              status: {
                type: 'object',
                properties: {
                  ip: { type: 'string' },
                  observedGeneration: { type: 'integer' },
                  conditions: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['type', 'status'],
                      properties: {
                        type: { type: 'string' },
                        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
                        reason: { type: 'string' },
                        message: { type: 'string' },
                        observedGeneration: { type: 'integer' },
                        lastTransitionTime: { type: 'string', format: 'date-time' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/** Writes the Widget CRD into a fresh temp dir and returns that dir. */
export async function writeWidgetCrdDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'virtfleet-crds-'));
  await writeFile(join(dir, 'widget.yaml'), yaml.dump(WIDGET_CRD));
  return dir;
}
