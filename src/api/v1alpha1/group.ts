/** [REQ-01] API group, version, kinds and plurals of the virtfleet resources (CRDs in crds/). */

export const GROUP = 'virtfleet.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;

/** Kind, plural and scope of each resource, as the CRDs declare them. */
export const RESOURCES = {
  Host: { kind: 'Host', plural: 'hosts', singular: 'host', namespaced: false },
  VirtualMachine: { kind: 'VirtualMachine', plural: 'virtualmachines', singular: 'virtualmachine', namespaced: true },
  ImageTransfer: { kind: 'ImageTransfer', plural: 'imagetransfers', singular: 'imagetransfer', namespaced: true },
} as const;

export type ResourceKind = keyof typeof RESOURCES;

/** The CRD's metadata.name for a kind, e.g. `hosts.virtfleet.io`. */
export function crdName(kind: ResourceKind): string {
  return `${RESOURCES[kind].plural}.${GROUP}`;
}
