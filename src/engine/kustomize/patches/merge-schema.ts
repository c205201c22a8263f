/** Lookups into merge-schema-data.ts: which lists a strategic merge patch merges, and by which keys. */

import { DEFINITIONS, RESOURCE_DEFINITIONS } from './merge-schema-data.js';

export interface FieldSchema {
  /** The definition of the field's value (or of its elements, for a list). */
  definition?: string;
  /** Set for a merged list: its keys; empty for a list of scalars merged by value. */
  mergeKeys?: string[];
}

const METADATA_ONLY = 'metadata:meta.ObjectMeta';
const parsed = new Map<string, Map<string, FieldSchema>>();

/** The definition of a resource kind, or undefined when kustomize has no schema for it. */
export function resourceDefinition(apiVersion: string, kind: string): string | undefined {
  const def = RESOURCE_DEFINITIONS[`${apiVersion} ${kind}`];
  return def === undefined ? undefined : def || METADATA_ONLY;
}

export function fieldSchema(definition: string | undefined, field: string): FieldSchema | undefined {
  if (!definition) return undefined;
  let fields = parsed.get(definition);
  if (!fields) {
    fields = parseDefinition(definition === METADATA_ONLY ? METADATA_ONLY : (DEFINITIONS[definition] ?? ''));
    parsed.set(definition, fields);
  }
  return fields.get(field);
}

function parseDefinition(text: string): Map<string, FieldSchema> {
  const fields = new Map<string, FieldSchema>();
  for (const part of text.split(' ').filter(Boolean)) {
    const m = /^([^:[]+)(?::([^[]+))?(?:\[([^\]]*)\])?$/.exec(part)!;
    fields.set(m[1], { definition: m[2], mergeKeys: m[3] === undefined ? undefined : m[3].split(',').filter(Boolean) });
  }
  return fields;
}
