/** `images.get_image()` placeholders resolved from fixed images (spec §5.4). */

import type { KubeObject } from '../../kube/objects.js';
import type { FixedImage } from '../project/types.js';
import { IMAGE_PLACEHOLDER } from '../template/kluctl/functions.js';
import { isMap as isObject } from '../../util/go-values.js';

const PLACEHOLDER = new RegExp(`${IMAGE_PLACEHOLDER.begin}([A-Za-z0-9+/=]*)${IMAGE_PLACEHOLDER.end}`, 'g');

export interface SeenImage {
  image: string;
  resultImage: string;
  namespace?: string;
  deployment: string;
  container?: string;
  deployTags: string[];
  deploymentDir: string;
}

export interface ImageResolver {
  /** Target images, then the fixed-images file, then `-F` (scanned last to first). */
  fixedImages: FixedImage[];
  seen: SeenImage[];
}

function matches(
  f: FixedImage,
  image: string,
  namespace: string | undefined,
  deployment: string,
  container: string | undefined,
): boolean {
  if (f.image !== undefined ? f.image !== image : f.imageRegex === undefined || !new RegExp(f.imageRegex).test(image))
    return false;
  if (f.namespace !== undefined && f.namespace !== namespace) return false;
  if (f.deployment !== undefined && f.deployment !== deployment) return false;
  if (f.container !== undefined && f.container !== container) return false;
  return true;
}

function lookup(
  list: readonly FixedImage[],
  ...key: Parameters<typeof matches> extends [unknown, ...infer R] ? R : never
): FixedImage | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (matches(list[i], ...key)) return list[i];
  return undefined;
}

export function resolveImagePlaceholders(
  obj: KubeObject,
  resolver: ImageResolver,
  vars: Record<string, unknown>,
  item: { tags: string[]; dir: string },
): void {
  const deployment = `${obj.kind}/${obj.metadata?.name}`;
  const namespace = obj.metadata?.namespace;
  const varsImages = Array.isArray(vars.images) ? (vars.images as FixedImage[]) : [];
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isObject(node)) return node;
    const container = typeof node.name === 'string' ? node.name : undefined;
    for (const [k, v] of Object.entries(node)) {
      if (typeof v !== 'string') {
        node[k] = visit(v);
        continue;
      }
      if (!v.includes(IMAGE_PLACEHOLDER.begin)) continue;
      node[k] = v.replace(PLACEHOLDER, (_, b64: string) => {
        const image = (JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as { image: string }).image;
        const fixed =
          lookup(resolver.fixedImages, image, namespace, deployment, container) ??
          lookup(varsImages, image, namespace, deployment, container);
        if (!fixed) throw new Error(`failed to find fixed image for ${image}`);
        resolver.seen.push({
          image,
          resultImage: fixed.resultImage,
          namespace,
          deployment,
          container,
          deployTags: item.tags,
          deploymentDir: item.dir,
        });
        return fixed.resultImage;
      });
    }
    return node;
  };
  visit(obj);
}
