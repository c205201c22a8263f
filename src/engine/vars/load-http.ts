/** `http` vars: a YAML/JSON document fetched with any method, optionally a string inside it picked by `jsonPath`. */

import type { VarsSource } from '../project/types.js';
import { parseYaml, parseYamlAll } from '../yaml/strict.js';
import { getJsonPath } from './json-path.js';
import { isMap as isObject } from '../../util/go-values.js';

type HttpSource = NonNullable<VarsSource['http']>;

interface HttpResponse {
  status: number;
  body: string;
}

/** node:http rather than fetch: Kluctl allows a body on any method, GET included. User info in the URL is sent as basic auth. */
function request(spec: HttpSource, signal?: AbortSignal): Promise<HttpResponse> {
  const url = new URL(spec.url);
  // Loaded on first use, as the engine's other rarely needed built-ins (see oci/http.ts).
  const send =
    url.protocol === 'https:' || url.protocol === 'http:'
      ? process.getBuiltinModule(url.protocol === 'https:' ? 'node:https' : 'node:http').request
      : undefined;
  if (!send) throw new Error(`unsupported URL scheme ${url.protocol} in ${spec.url}`);
  return new Promise((resolve, reject) => {
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
    const headers = { ...(body && { 'content-length': String(body.length) }), ...spec.headers };
    const req = send(url, { method: spec.method ?? 'GET', headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error('timed out after 60s')));
    req.end(body);
  });
}

/** The loaded value; `{}` for a 404 with `ignoreMissing`. */
export async function loadHttp(
  spec: HttpSource,
  ignoreMissing: boolean,
  multidoc?: boolean,
  signal?: AbortSignal,
): Promise<unknown> {
  let res: HttpResponse;
  try {
    res = await request(spec, signal);
  } catch (error) {
    throw new Error(`http request to ${spec.url} failed: ${(error as Error).message}`, { cause: error });
  }
  if (res.status < 200 || res.status >= 300) {
    if (res.status === 404 && ignoreMissing) return {};
    const auth =
      res.status === 401
        ? ' (kluctl-ts does not prompt for credentials; put them into the URL as user:password@host)'
        : '';
    throw new Error(`http request to ${spec.url} failed with status code ${res.status}${auth}`);
  }
  const doc = multidoc ? parseYamlAll(res.body, spec.url) : parseYaml(res.body, spec.url);
  if (spec.jsonPath === undefined) return doc;
  const [hit] = getJsonPath(doc, spec.jsonPath);
  if (hit === undefined) throw new Error(`${spec.jsonPath} not found in result from http request ${spec.url}`);
  if (typeof hit !== 'string')
    throw new Error(`${spec.jsonPath} in result of http request ${spec.url} is not a string`);
  const value = parseYaml(hit, `${spec.url} ${spec.jsonPath}`);
  if (!isObject(value)) throw new Error(`${spec.jsonPath} in result of http request ${spec.url} is not a YAML map`);
  return value;
}
