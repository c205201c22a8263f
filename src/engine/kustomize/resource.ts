/**
 * One object during a build, with the bookkeeping kustomize keeps in build annotations: previous ids (names,
 * namespaces, kinds it had), the name prefixes/suffixes applied to it, and generator flags.
 */

import {
  effectiveNamespace,
  isClusterScopedKind,
  namespaceKey,
  parseApiVersion,
  type Gvk,
  type ResId,
} from './resid.js';
import { deepCopy, isPlainObject } from '../yaml/kustomize.js';
import { scalarText } from '../../util/scalar.js';

export type Obj = Record<string, unknown>;
export type Behavior = 'unspecified' | 'create' | 'merge' | 'replace';

export interface Source {
  file: string;
  line?: number;
}

interface PrevId {
  name: string;
  /** Effective namespace, as kustomize stores it. */
  namespace: string;
  kind: string;
}

export class Resource {
  prevIds: PrevId[] = [];
  prefixes: string[] = [];
  suffixes: string[] = [];
  needsHash = false;
  behavior: Behavior = 'unspecified';
  allowNameChange = false;
  allowKindChange = false;
  /** Removed by a `$patch: delete` strategic merge patch. */
  deleted = false;

  constructor(
    public obj: Obj,
    readonly source: Source,
  ) {}

  clone(): Resource {
    const r = new Resource(deepCopy(this.obj), this.source);
    r.prevIds = this.prevIds.map((p) => ({ ...p }));
    r.prefixes = [...this.prefixes];
    r.suffixes = [...this.suffixes];
    r.needsHash = this.needsHash;
    r.behavior = this.behavior;
    r.allowNameChange = this.allowNameChange;
    r.allowKindChange = this.allowKindChange;
    return r;
  }

  get metadata(): Obj {
    if (!isPlainObject(this.obj.metadata)) this.obj.metadata = {};
    return this.obj.metadata as Obj;
  }

  get apiVersion(): string {
    return scalarString(this.obj.apiVersion);
  }

  get kind(): string {
    return scalarString(this.obj.kind);
  }

  set kind(kind: string) {
    this.obj.kind = kind;
  }

  get name(): string {
    return isPlainObject(this.obj.metadata) ? scalarString(this.obj.metadata.name) : '';
  }

  set name(name: string) {
    this.metadata.name = name;
  }

  get namespace(): string {
    return isPlainObject(this.obj.metadata) ? scalarString(this.obj.metadata.namespace) : '';
  }

  /** An empty namespace removes the field. */
  set namespace(namespace: string) {
    if (namespace) this.metadata.namespace = namespace;
    else if (isPlainObject(this.obj.metadata)) delete this.obj.metadata.namespace;
  }

  get gvk(): Gvk {
    return { ...parseApiVersion(this.apiVersion), kind: this.kind };
  }

  get isClusterScoped(): boolean {
    return isClusterScopedKind(this.apiVersion, this.kind);
  }

  /** effectiveNamespace(this.curId()), without building the id. */
  get effectiveNamespace(): string {
    return namespaceKey(this.isClusterScoped, this.namespace);
  }

  curId(): ResId {
    return { ...this.gvk, name: this.name, namespace: this.namespace };
  }

  /** Previous ids, oldest first; group and version are the current ones, as in kustomize. */
  previousIds(): ResId[] {
    const { group, version } = this.gvk;
    return this.prevIds.map((p) => ({ group, version, kind: p.kind, name: p.name, namespace: p.namespace }));
  }

  orgId(): ResId {
    // previousIds()[0], without building the others.
    if (this.prevIds.length === 0) return this.curId();
    const { group, version } = this.gvk;
    const p = this.prevIds[0];
    return { group, version, kind: p.kind, name: p.name, namespace: p.namespace };
  }

  allIds(): ResId[] {
    return [...this.previousIds(), this.curId()];
  }

  storePreviousId(): void {
    const id = this.curId();
    this.prevIds.push({ name: id.name, namespace: effectiveNamespace(id), kind: id.kind });
  }

  labels(): Record<string, string> {
    return stringMap(this.obj.metadata, 'labels');
  }

  annotations(): Record<string, string> {
    return stringMap(this.obj.metadata, 'annotations');
  }

  /** kyaml's SetLabels/SetAnnotations: string values, and no field at all when empty. */
  setStringMap(field: 'labels' | 'annotations', map: Record<string, string>): void {
    if (Object.keys(map).length === 0) delete this.metadata[field];
    else
      this.metadata[field] = Object.fromEntries(
        Object.keys(map)
          .sort()
          .map((k) => [k, map[k]]),
      );
  }
}

/** A scalar as kyaml reads it: its text. */
export function scalarString(v: unknown): string {
  return scalarText(v);
}

function stringMap(metadata: unknown, field: string): Record<string, string> {
  const m = isPlainObject(metadata) ? metadata[field] : undefined;
  if (!isPlainObject(m)) return {};
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, scalarString(v)]));
}
