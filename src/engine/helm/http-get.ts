/**
 * A bounded HTTP(S) GET for Helm repositories: a size cap, a time cap, a few redirects, basic auth only to the
 * repository's host (as Helm's getter, unless `passCredentialsAll`), client certificates, an extra CA and
 * `insecureSkipTlsVerify`. Errors say what went wrong in words a user can act on (401, TLS, unreachable).
 */

import type * as https from 'node:https';
import { CancelledError } from '../../util/errors.js';

export interface HttpAuth {
  username?: string;
  password?: string;
  /** PEM contents (not paths): read once when the credentials are built. */
  certPem?: string;
  keyPem?: string;
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
  passCredentialsAll?: boolean;
}

export interface HttpGetOptions {
  auth?: HttpAuth;
  /** The host basic auth belongs to (the repository's); other hosts get none unless passCredentialsAll. */
  authHost?: string;
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    statusText: string,
  ) {
    super(`failed to fetch ${url} : ${status} ${statusText}`);
  }
}

const MAX_REDIRECTS = 10;

/** The body of `url`; throws HttpStatusError for a non-2xx status, a plain Error with the cause otherwise. */
export async function httpGet(url: string, o: HttpGetOptions): Promise<Buffer> {
  let current = url;
  for (let i = 0; i <= MAX_REDIRECTS; i++) {
    const r = await once(current, o);
    if (r.redirect === undefined) return r.body!;
    current = new URL(r.redirect, current).toString();
  }
  throw new Error(`GET ${url}: stopped after ${MAX_REDIRECTS} redirects`);
}

function once(url: string, o: HttpGetOptions): Promise<{ body?: Buffer; redirect?: string }> {
  if (o.signal?.aborted) return Promise.reject(new CancelledError(`GET ${url}`));
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new Error(`invalid URL ${url}`));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return Promise.reject(new Error(`unsupported URL scheme in ${url} (http and https only)`));
  const a = o.auth ?? {};
  const headers: Record<string, string> = { 'User-Agent': 'Helm/3 (kluctl-ts)', Accept: '*/*' };
  const sameHost = o.authHost === undefined || o.authHost === u.host;
  if (a.username !== undefined && a.password !== undefined && (sameHost || a.passCredentialsAll))
    headers.Authorization = `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`;
  const options: https.RequestOptions = { method: 'GET', headers, timeout: o.timeoutMs };
  if (u.protocol === 'https:') {
    if (a.caPem) options.ca = a.caPem;
    if (a.certPem) options.cert = a.certPem;
    if (a.keyPem) options.key = a.keyPem;
    if (a.insecureSkipTlsVerify) options.rejectUnauthorized = false;
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (error?: Error, value?: { body?: Buffer; redirect?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      o.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(value!);
    };
    const onAbort = () => done(new CancelledError(`GET ${url}`));
    // The whole request (connect, headers and body) within timeoutMs, not only each idle gap.
    const deadline = setTimeout(
      () => done(new Error(`GET ${url}: no complete answer within ${o.timeoutMs / 1000}s`)),
      o.timeoutMs,
    );
    // Loaded on first use, as the engine's other rarely needed built-ins (see oci/http.ts).
    const { request } = process.getBuiltinModule(u.protocol === 'https:' ? 'node:https' : 'node:http');
    const req = request(u, options, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        done(undefined, { redirect: res.headers.location });
        return;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        done(new HttpStatusError(url, status, res.statusMessage ?? ''));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.maxBytes) {
        done(new Error(`GET ${url}: ${declared} bytes is more than the limit of ${o.maxBytes}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBytes) done(new Error(`GET ${url}: more than the limit of ${o.maxBytes} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => done(undefined, { body: Buffer.concat(chunks) }));
      res.on('error', (e) => done(describe(url, e)));
    });
    req.on('timeout', () => done(new Error(`GET ${url}: no answer within ${o.timeoutMs / 1000}s`)));
    req.on('error', (e) => done(describe(url, e)));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}

const TLS_CODES =
  /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH|ERR_OSSL)|CERTIFICATE|_SIGNATURE/;

function describe(url: string, e: NodeJS.ErrnoException): Error {
  const code = e.code ?? '';
  if (TLS_CODES.test(code) || /certificate|tls|ssl/i.test(e.message))
    return new Error(
      `GET ${url}: TLS failure: ${e.message} (trust the server with --helm-ca-file, or --helm-insecure-skip-tls-verify)`,
      { cause: e },
    );
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN'].includes(code))
    return new Error(`GET ${url}: repository unreachable: ${e.message}`, { cause: e });
  return new Error(`GET ${url}: ${e.message}`, { cause: e });
}
