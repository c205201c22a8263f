/**
 * Resources from a YAML stream as kustomize reads them: empty documents skipped, kind and metadata.name required,
 * and the items of `*List` objects appended after the stream's other documents.
 */

import { KustomizeError } from '../errors.js';
import { Resource, type Obj } from './resource.js';
import { isPlainObject, parseResourceYaml } from '../yaml/kustomize.js';
import { scalarText } from '../../util/scalar.js';

export function resourcesFromYaml(text: string, file: string, line?: number): Resource[] {
  const queue = parseResourceYaml(text, file).map((d) => ({ value: d.value, line: (line ?? 1) - 1 + d.line }));
  const result: Resource[] = [];
  while (queue.length > 0) {
    const { value, line: at } = queue.shift()!;
    validate(value, file, at);
    const obj = value as Obj;
    const kind = String(obj.kind);
    if (!kind.endsWith('List') || !('items' in obj)) {
      result.push(new Resource(obj, { file, line: at }));
      continue;
    }
    if (obj.items === null || obj.items === undefined) continue;
    if (!Array.isArray(obj.items)) throw new KustomizeError(`expected array in ${kind}/items`, file, at);
    for (const item of obj.items) {
      const copy = JSON.parse(JSON.stringify(item ?? null)) as unknown;
      if (copy === null || (isPlainObject(copy) && Object.keys(copy).length === 0)) continue;
      queue.push({ value: copy, line: at });
    }
  }
  return result;
}

function validate(value: unknown, file: string, line: number): void {
  if (!isPlainObject(value)) throw new KustomizeError('expected a YAML mapping (a Kubernetes object)', file, line);
  const kind = value.kind;
  if (kind === undefined || kind === null || kind === '')
    throw new KustomizeError('missing kind in object', file, line);
  const metadata = value.metadata;
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata))
    throw new KustomizeError('metadata must be a mapping', file, line);
  const name = isPlainObject(metadata) ? metadata.name : undefined;
  if (!scalarText(kind).endsWith('List') && (name === undefined || name === null || name === '')) {
    throw new KustomizeError(`missing metadata.name in object of kind ${scalarText(kind)}`, file, line);
  }
}
