/**
 * [REQ-01] Looks up servable resource types by group, version and plural (or kind): the built-in kinds, plus
 * the custom ones of the CustomResourceDefinitions currently stored (replaced whenever a CRD changes).
 */
import type { ResourceType } from './types.js';

export class ResourceRegistry {
  private custom: ResourceType[] = [];

  constructor(private readonly builtin: ResourceType[]) {}

  get types(): ResourceType[] {
    return [...this.builtin, ...this.custom];
  }

  setCustomTypes(types: ResourceType[]): void {
    this.custom = types;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  findKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => (t.group === '' ? t.version : `${t.group}/${t.version}`) === apiVersion && t.kind === kind);
  }

  groups(): string[] {
    return [...new Set(this.types.filter((t) => t.group !== '').map((t) => t.group))];
  }

  versionsOf(group: string): string[] {
    return [...new Set(this.types.filter((t) => t.group === group).map((t) => t.version))];
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.version === version);
  }
}
