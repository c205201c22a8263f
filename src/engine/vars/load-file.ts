/** `file` and `git` vars: a YAML file found through the search dirs, rendered with the current vars first. */

import { parseYaml, parseYamlAll } from '../yaml/strict.js';
import { TemplateRenderError } from '../template/renderer.js';
import type { JsonObject } from '../../kluctl/uo/merge.js';
import type { SopsDecryptor } from '../sops/decryptor.js';
import { asContext, rendererFor } from './templating.js';

export async function loadVarsFile(
  vars: JsonObject,
  file: string,
  searchDirs: readonly string[],
  ignoreMissing: boolean,
  multidoc: boolean | undefined,
  sops: SopsDecryptor,
): Promise<unknown> {
  let rendered: string;
  try {
    rendered = rendererFor(searchDirs).renderFile(file, asContext(vars));
  } catch (error) {
    const notFound =
      (error instanceof TemplateRenderError &&
        error.errorType === 'TemplateNotFound' &&
        error.location === error.template) ||
      (error as Error).message.includes(`absolute path of ${file} could not be resolved`);
    if (ignoreMissing && notFound) return {};
    throw new Error(`failed to render vars file ${file}: ${(error as Error).message}`, { cause: error });
  }
  // As Kluctl: rendered first, then decrypted (templated plaintext next to encrypted values is fine).
  const decrypted = await sops.maybeDecrypt(rendered, file);
  if (decrypted.encrypted) rendered = decrypted.data.toString('utf8');
  if (multidoc) return parseYamlAll(rendered, file);
  return parseYaml(rendered, file) ?? {};
}
