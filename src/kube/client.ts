import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { execCredential, ExecPluginTimeoutError, type ExecConfig } from './exec-credential.js';
import { CancelledError, ObjectError } from '../util/errors.js';
import { KubeApiError, KubeCredentialsError, KubeUnreachableError, type StatusCause } from './errors.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  /** Defaults to application/json; patches name their own type. */
  contentType?: string;
  signal?: AbortSignal;
  /** Overrides the client's default. For streams it bounds only the wait for the response headers. */
  timeoutMs?: number;
  /** What the caller is doing, for error messages ("apply ConfigMap ns/x"). */
  description?: string;
  /** The Accept header (default application/json), e.g. for metadata-only lists (`as=PartialObjectMetadataList`). */
  accept?: string;
  /** Receives the texts of the response's `Warning` headers (deprecations and the like), when there are any. */
  onWarnings?: (warnings: string[]) => void;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * How many plain requests one client has on the wire at once (kluctl: 8 items at a time, each with its own
 * rate-limited client). The API server's own limit is far above (`--max-requests-inflight` 400 by default).
 */
export const MAX_PARALLEL_REQUESTS = 32;

/**
 * A client for one kubeconfig context. It borrows authentication (certs, tokens, exec plugins) from
 * @kubernetes/client-node's KubeConfig and makes the HTTP calls itself, because client-node's generic object
 * API ignores per-call middleware and so cannot carry an AbortSignal or a timeout per request.
 */
export class KubeClient {
  readonly server: string;
  /**
   * One keep-alive agent per client: without it every call opened a new TLS connection (a new secure context with
   * the client certificate), which cost more than the API calls themselves in a deploy of hundreds of objects.
   * Its sockets are bounded ({@link MAX_PARALLEL_REQUESTS}): the calls beyond wait in the agent's queue (their timeout
   * and signal still apply), so a diff can issue hundreds of dry-run applies at once without opening hundreds of
   * connections. Streams (watches, logs) hold their socket for as long as they run, so they get agents of their own
   * and never take a place from the plain requests.
   */
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: MAX_PARALLEL_REQUESTS }),
    https: new https.Agent({ keepAlive: true, maxSockets: MAX_PARALLEL_REQUESTS }),
  };
  private readonly streamAgents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };

  constructor(
    /** Scoped to this client's context; for what needs client-node itself (port-forwards). */
    readonly kubeConfig: KubeConfig,
    readonly contextName: string,
    private readonly defaultTimeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    const cluster = kubeConfig.getCluster(kubeConfig.getContextObject(contextName)?.cluster ?? '');
    if (!cluster) throw new ObjectError(`kubeconfig context "${contextName}"`, 'has no cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** The namespace the context names, or `default`. */
  get defaultNamespace(): string {
    return this.kubeConfig.getContextObject(this.contextName)?.namespace || 'default';
  }

  async requestJson<T>(options: RequestOptions): Promise<T> {
    const text = (await this.send(options, false)) as string;
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Opens a streaming response (watch, logs). The caller consumes it; aborting the signal ends it. */
  async stream(options: RequestOptions): Promise<http.IncomingMessage> {
    return (await this.send(options, true)) as http.IncomingMessage;
  }

  /**
   * Certificates, tokens and credential plugins (exec, OIDC) are applied here. A plugin waiting for an
   * interactive login would never return, so this step is bounded by the request's timeout and signal.
   */
  private async authenticate(
    requestOptions: https.RequestOptions,
    what: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const exec = execConfigOf(this.kubeConfig.getCurrentUser());
    if (exec) return this.authenticateWithExec(exec, requestOptions, what, timeoutMs, signal);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KubeCredentialsError(
              this.contextName,
              what,
              `were not available within ${Math.round(timeoutMs / 1000)}s (does its exec/OIDC plugin wait for an interactive login? Log in from a terminal first)`,
            ),
          ),
        timeoutMs,
      );
      onAbort = () => reject(new CancelledError(what));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.kubeConfig.applyToHTTPSOptions(requestOptions), stopped]);
    } catch (error) {
      if (error instanceof CancelledError || error instanceof KubeCredentialsError) throw error;
      throw new KubeCredentialsError(
        this.contextName,
        what,
        `could not be obtained: ${(error as Error).message.trim()}`,
      );
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * This client's kubeconfig for client-node APIs that connect by themselves (the port-forward WebSocket): their
   * credentials come from this client's bounded path (exec plugins killed on timeout, single-flight, cached), never
   * from client-node's own plugin runner, which neither stops a plugin that never answers nor caches.
   */
  boundedKubeConfig(what: string, signal?: AbortSignal): KubeConfig {
    const config = Object.create(this.kubeConfig) as KubeConfig;
    config.applyToHTTPSOptions = (opts) =>
      this.authenticate(opts as https.RequestOptions, what, this.defaultTimeoutMs, signal);
    return config;
  }

  /** This client's kubeconfig with the exec plugin left out of the user: TLS settings without running the plugin. */
  private withoutExec?: KubeConfig;

  /** Exec plugins are run by exec-credential.ts (bounded, single-flight, cached); the rest as client-node does. */
  private async authenticateWithExec(
    exec: ExecConfig,
    requestOptions: https.RequestOptions,
    what: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const user = this.kubeConfig.getCurrentUser()!;
    let status;
    try {
      status = await execCredential(user.name, exec, { timeoutMs, signal });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw new CancelledError(what);
      if (error instanceof ExecPluginTimeoutError)
        throw new KubeCredentialsError(
          this.contextName,
          what,
          `were not available within ${Math.round(timeoutMs / 1000)}s (its exec plugin did not answer and was stopped; does it wait for an interactive login? Log in from a terminal first)`,
        );
      throw new KubeCredentialsError(
        this.contextName,
        what,
        `could not be obtained: ${(error as Error).message.trim()}`,
      );
    }
    if (!this.withoutExec) {
      const stripped = new KubeConfig();
      stripped.loadFromOptions({
        clusters: this.kubeConfig.getClusters(),
        users: this.kubeConfig
          .getUsers()
          .map((u) => (u.name === user.name ? { ...u, exec: undefined, authProvider: undefined } : u)),
        contexts: this.kubeConfig.getContexts(),
        currentContext: this.kubeConfig.getCurrentContext(),
      });
      this.withoutExec = stripped;
    }
    await this.withoutExec.applyToHTTPSOptions(requestOptions);
    if (status.clientCertificateData) requestOptions.cert = status.clientCertificateData;
    if (status.clientKeyData) requestOptions.key = status.clientKeyData;
    if (status.token) requestOptions.headers = { ...requestOptions.headers, Authorization: `Bearer ${status.token}` };
  }

  /** Secure contexts by the digest of the TLS material they hold (a few: exec plugins may rotate certificates). */
  private readonly secureContexts = new Map<string, tls.SecureContext>();

  /**
   * One secure context for all connections with the same CA, client certificate and key: without it each new
   * socket of the agent parsed them again (tls.connect builds a context from these options), ~3 ms per socket and
   * up to MAX_PARALLEL_REQUESTS sockets at the start of a diff. The options stay, as the agent's pool key.
   */
  private reuseSecureContext(o: https.RequestOptions): void {
    const material = [o.ca, o.cert, o.key, o.pfx, o.passphrase];
    if (material.every((m) => m === undefined)) return;
    const hash = createHash('sha256');
    const feed = (m: unknown): void => {
      if (Array.isArray(m)) {
        hash.update(`\0[${m.length}`);
        m.forEach(feed);
      } else if (typeof m === 'string' || Buffer.isBuffer(m)) hash.update(`\0${typeof m}${m.length}\0`).update(m);
      else hash.update(`\0${JSON.stringify(m) ?? 'u'}`);
    };
    material.forEach(feed);
    const key = hash.digest('hex');
    let context = this.secureContexts.get(key);
    if (!context) {
      context = tls.createSecureContext({ ca: o.ca, cert: o.cert, key: o.key, pfx: o.pfx, passphrase: o.passphrase });
      if (this.secureContexts.size >= 8) this.secureContexts.clear();
      this.secureContexts.set(key, context);
    }
    (o as https.RequestOptions & { secureContext?: tls.SecureContext }).secureContext = context;
  }

  /** Resolves with the body text, or with the open response when streaming. */
  private async send(options: RequestOptions, streaming: boolean): Promise<string | http.IncomingMessage> {
    const method = options.method ?? 'GET';
    const what = options.description ?? `${method} ${options.path}`;
    if (options.signal?.aborted) throw new CancelledError(what);
    const url = new URL(this.server + options.path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));

    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const requestOptions: https.RequestOptions = { method, headers: { Accept: options.accept ?? 'application/json' } };
    await this.authenticate(requestOptions, what, timeoutMs, options.signal);
    if (url.protocol === 'https:') this.reuseSecureContext(requestOptions);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) {
      requestOptions.headers = {
        ...requestOptions.headers,
        'Content-Type': options.contentType ?? 'application/json',
        'Content-Length': Buffer.byteLength(body),
      };
    }

    return new Promise((resolve, reject) => {
      const transport = url.protocol === 'http:' ? http : https;
      const agents = streaming ? this.streamAgents : this.agents;
      requestOptions.agent = url.protocol === 'http:' ? agents.http : agents.https;
      let settled = false;
      const settle = (error: Error | undefined, value?: string | http.IncomingMessage): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          req.destroy();
          reject(error);
        } else {
          resolve(value!);
        }
      };
      const onAbort = (): void => settle(new CancelledError(what));
      const timer = setTimeout(() => settle(new KubeUnreachableError(this.server, what, 'timeout', true)), timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });

      const req = transport.request(url, requestOptions, (response) => {
        const status = response.statusCode ?? 0;
        const warnings = warningTexts(response.headers.warning);
        if (warnings.length) options.onWarnings?.(warnings);
        const ok = status >= 200 && status < 300;
        if (ok && streaming) {
          settle(undefined, response);
          // The stream stays tied to the signal: aborting ends it; a stream that ends first lets go of the signal.
          const signal = options.signal;
          if (signal) {
            const onStreamAbort = (): void => void response.destroy(new CancelledError(what));
            signal.addEventListener('abort', onStreamAbort, { once: true });
            response.once('close', () => signal.removeEventListener('abort', onStreamAbort));
          }
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => settle(new KubeUnreachableError(this.server, what, error.message, false)));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          settle(ok ? undefined : toApiError(status, text, what), text);
        });
      });
      req.on('error', (error) => settle(new KubeUnreachableError(this.server, what, error.message, false)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}

/** The exec plugin of a kubeconfig user (`exec`, or the legacy `auth-provider` named exec), if any. */
function execConfigOf(user: User | null): ExecConfig | undefined {
  if (!user) return undefined;
  const u = user as { exec?: ExecConfig; authProvider?: { name?: string; config?: { exec?: ExecConfig } } };
  return u.exec ?? u.authProvider?.config?.exec;
}

/** RFC 7234 warning values as the API server sends them: `299 - "text"`. */
export function warningTexts(header: string | string[] | undefined): string[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return values.map((v) => /^\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/.exec(v)?.[1]?.replace(/\\(.)/g, '$1') ?? v);
}

function toApiError(status: number, text: string, what: string): KubeApiError {
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string; details?: { causes?: StatusCause[] } };
    return new KubeApiError(status, parsed.reason ?? '', parsed.message ?? '', what, parsed.details?.causes ?? []);
  } catch {
    return new KubeApiError(status, '', text.trim().slice(0, 500), what);
  }
}
