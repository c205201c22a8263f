/** Labels and annotations Kluctl puts on every rendered object (spec §5.1). */

import type { KubeObject } from '../../kube/objects.js';

export interface ItemMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Common labels, then the discriminator, then `kluctl.io/tag-N`; annotations likewise. Later keys overwrite. */
export function itemMetadata(o: {
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  discriminator?: string;
  tags: readonly string[];
  deploymentItemDir: string;
  skipDeleteIfTags?: boolean;
}): ItemMetadata {
  const labels = { ...o.commonLabels };
  if (o.discriminator) labels['kluctl.io/discriminator'] = o.discriminator;
  o.tags.forEach((t, i) => (labels[`kluctl.io/tag-${i}`] = t));
  const annotations: Record<string, string> = {
    ...o.commonAnnotations,
    'kluctl.io/deployment-item-dir': o.deploymentItemDir,
  };
  if (o.skipDeleteIfTags) annotations['kluctl.io/skip-delete-if-tags'] = 'true';
  return { labels, annotations };
}

/** The object itself and, for `*List` kinds, each of its items. */
export function withListItems(obj: KubeObject): KubeObject[] {
  const items = obj.kind?.endsWith('List') && Array.isArray(obj.items) ? (obj.items as KubeObject[]) : [];
  return [obj, ...items.filter((x) => typeof x === 'object' && x !== null)];
}

export function applyMetadata(obj: KubeObject, meta: ItemMetadata): void {
  for (const o of withListItems(obj)) {
    o.metadata ??= { name: '' };
    // Kluctl only creates the maps when it sets something.
    if (Object.keys(meta.labels).length) o.metadata.labels = { ...(o.metadata.labels ?? {}), ...meta.labels };
    if (Object.keys(meta.annotations).length)
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), ...meta.annotations };
  }
}

/** Go's strconv.ParseBool; anything else counts as false (Kluctl's NoError variants). */
/** Whether Go's strconv.ParseBool accepts the text. */
export function isGoBool(v: string): boolean {
  return /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(v);
}

export function parseGoBool(v: string | undefined): boolean {
  return v !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}
