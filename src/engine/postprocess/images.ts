/** `images.get_image()` placeholders resolved from fixed images (spec §5.4). */

import type { KubeObject } from '../../kube/objects.js';
import type { FixedImage } from '../project/types.js';
import { IMAGE_PLACEHOLDER } from '../template/kluctl/functions.js';
import { isMap as isObject } from '../../util/go-values.js';

const PLACEHOLDER = new RegExp(`${IMAGE_PLACEHOLDER.begin}([A-Za-z0-9+/=]*)${IMAGE_PLACEHOLDER.end}`, 'g');

/** One `images.get_image()` call as Kluctl records it (`Images.seenImages`), for `list-images`. */
export interface SeenImage {
  image: string;
  resultImage: string;
  /** The object's namespace, "" for a cluster-scoped one (Kluctl always sets it). */
  namespace: string;
  object: { group?: string; version?: string; kind: string; name: string; namespace?: string };
  deployment: string;
  /** The `name` of the map holding the field, "" when there is none. */
  container: string;
  deployTags: string[];
  deploymentDir: string;
  /** Where the placeholder was, and whether it was the whole value (only then is `deployedImage` looked up). */
  fieldPath: Array<string | number>;
  whole: boolean;
  /** The value of that field in the cluster's object, when online. */
  deployedImage?: string;
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

/** Whether any string in `objects` holds a placeholder (the marker is plain ASCII: JSON keeps it as it is). */
export function hasImagePlaceholder(objects: unknown[]): boolean {
  return mentionsPlaceholder(objects);
}

/** Whether a string anywhere in `node` holds a placeholder: a walk that allocates nothing (most objects hold none). */
function mentionsPlaceholder(node: unknown): boolean {
  if (typeof node === 'string') return node.includes(IMAGE_PLACEHOLDER.begin);
  if (Array.isArray(node)) {
    for (const v of node) if (mentionsPlaceholder(v)) return true;
    return false;
  }
  if (!isObject(node)) return false;
  for (const k in node) if (mentionsPlaceholder(node[k])) return true;
  return false;
}

export function resolveImagePlaceholders(
  obj: KubeObject,
  resolver: ImageResolver,
  vars: Record<string, unknown>,
  item: { tags: string[]; dir: string },
): void {
  if (!mentionsPlaceholder(obj)) return;
  const deployment = `${obj.kind}/${obj.metadata?.name}`;
  const namespace = obj.metadata?.namespace ?? '';
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const slash = apiVersion.lastIndexOf('/');
  const object = {
    ...(slash > 0 ? { group: apiVersion.slice(0, slash) } : {}),
    ...(apiVersion.slice(slash + 1) ? { version: apiVersion.slice(slash + 1) } : {}),
    kind: String(obj.kind ?? ''),
    name: String(obj.metadata?.name ?? ''),
    ...(namespace ? { namespace } : {}),
  };
  const varsImages = Array.isArray(vars.images) ? (vars.images as FixedImage[]) : [];
  // Like Kluctl's leaf iteration: every string leaf, in maps and in lists; the container is the `name` of the map
  // that holds the string.
  const seen: SeenImage[] = [];
  const resolve = (value: string, container: string, fieldPath: Array<string | number>): string =>
    value.replace(PLACEHOLDER, (whole, b64: string, offset: number) => {
      const image = (JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as { image: string }).image;
      // Kluctl (up to v2.28 at least) finds the end marker relative to the start marker but slices as if absolute,
      // so a placeholder after other text fails there ("illegal base64 data"): fail the same way, but say why.
      if (offset !== 0)
        throw new Error(
          `images.get_image('${image}') at ${fieldPath.join('.')} follows other text: kluctl can only resolve it at the start of a value`,
        );
      const fixed =
        lookup(resolver.fixedImages, image, namespace, deployment, container) ??
        lookup(varsImages, image, namespace, deployment, container);
      if (!fixed) throw new Error(`failed to find fixed image for ${image}`);
      seen.push({
        image,
        resultImage: fixed.resultImage,
        namespace,
        object,
        deployment,
        container,
        deployTags: item.tags,
        deploymentDir: item.dir,
        fieldPath,
        whole: whole === value,
      });
      return fixed.resultImage;
    });
  const visit = (node: unknown, container: string, at: Array<string | number>): unknown => {
    if (typeof node === 'string') return node.includes(IMAGE_PLACEHOLDER.begin) ? resolve(node, container, at) : node;
    if (Array.isArray(node)) return node.map((v, i) => visit(v, '', [...at, i]));
    if (!isObject(node)) return node;
    const name = typeof node.name === 'string' ? node.name : '';
    for (const [k, v] of Object.entries(node)) node[k] = visit(v, name, [...at, k]);
    return node;
  };
  visit(obj, '', []);
  // Kluctl resolves the placeholders of an object last to first, recording each as it goes.
  resolver.seen.push(...seen.reverse());
}
