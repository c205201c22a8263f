/**
 * `images`: rewrites matching container images, first in every `containers`/`initContainers` list anywhere in an
 * object (CRDs excepted), then at the image field specs, as kustomize's two passes do.
 */

import { IMAGES } from '../builtin-field-specs.js';
import { KustomizeError } from '../../errors.js';
import { applyFieldSpec, getRef, setRef } from '../field-spec.js';
import type { ImageArgs } from '../kustomization.js';
import type { Resource } from '../resource.js';
import { isPlainObject } from '../../yaml/kustomize.js';
import { scalarText } from '../../../util/scalar.js';

export function applyImages(resources: Resource[], images: ImageArgs[]): void {
  for (const image of images) {
    for (const r of resources) {
      if (r.kind === 'CustomResourceDefinition') continue;
      walkContainers(r.obj, image);
      for (const spec of IMAGES) {
        applyFieldSpec(r.obj, spec, {
          set: (ref) => {
            const value = getRef(ref);
            if (value !== null && typeof value === 'object')
              throw new KustomizeError('wrong node kind: expected an image string', r.source.file, r.source.line);
            const updated = updateImage(scalarText(value), image);
            if (updated !== undefined) setRef(ref, updated);
          },
        });
      }
    }
  }
}

function walkContainers(node: unknown, image: ImageArgs): void {
  if (Array.isArray(node)) {
    node.forEach((n) => walkContainers(n, image));
    return;
  }
  if (!isPlainObject(node)) return;
  // for-in, not Object.entries: every image walks every resource (parsed YAML: own keys only).
  for (const key in node) {
    const value = node[key];
    walkContainers(value, image);
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
      for (const c of value) {
        if (!isPlainObject(c) || !('image' in c) || c.image === null || typeof c.image === 'object') continue;
        const updated = updateImage(scalarText(c.image), image);
        if (updated !== undefined) c.image = updated;
      }
    }
  }
}

/** The new image reference, or undefined when `value` is not this image. */
export function updateImage(value: string, image: ImageArgs): string | undefined {
  if (!imageMatches(value, image.name ?? '')) return undefined;
  let [name, tag, digest] = splitImage(value);
  if (image.newName) name = image.newName;
  if (image.newTag && image.digest) [tag, digest] = [image.newTag, image.digest];
  else if (image.newTag) [tag, digest] = [image.newTag, ''];
  else if (image.digest) [tag, digest] = ['', image.digest];
  else if (image.tagSuffix) [tag, digest] = [tag + image.tagSuffix, ''];
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** The name is a regular expression, as in kustomize. */
function imageMatches(value: string, name: string): boolean {
  try {
    return new RegExp(`^${name}(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$`).test(value);
  } catch {
    return false;
  }
}

/** name, tag, digest; a ':' before the first '/' is a registry port, not a tag. */
export function splitImage(image: string): [string, string, string] {
  let slash = image.indexOf('/');
  let search = image;
  if (slash > 0) search = image.slice(slash);
  else slash = 0;
  let at = search.indexOf('@');
  let colon = search.indexOf(':');
  if (colon < 0 && at < 0) return [image, '', ''];
  if (at >= 0 && (at < colon || colon < 0)) {
    at += slash;
    return [image.slice(0, at), '', image.slice(at + 1)];
  }
  if (at >= 0 && colon >= 0) {
    at += slash;
    colon += slash;
    return [image.slice(0, colon), image.slice(colon + 1, at), image.slice(at + 1)];
  }
  colon += slash;
  return [image.slice(0, colon), image.slice(colon + 1), ''];
}
