// The operator commands' view of a running controller: GET requests with the
// Bearer token, answers as values (never thrown), errors with the API's code.
export interface ClientError {
  /** The API's error code, or `unreachable` / `bad_response` when no API answer came. */
  code: string;
  status: number;
  message: string;
}

export type ClientResult<T> = { ok: true; status: number; body: T } | { ok: false; error: ClientError };

export interface ClientOptions {
  /** http://HOST:PORT (HOST:PORT alone means http). */
  url: string;
  token?: string;
  timeoutMs?: number;
}

export function normalizeUrl(url: string): string {
  const u = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  return u.replace(/\/+$/, '');
}

export class ApiClient {
  readonly base: string;

  constructor(private readonly opts: ClientOptions) {
    this.base = normalizeUrl(opts.url);
  }

  get<T>(path: string, query: Record<string, string> = {}): Promise<ClientResult<T>> {
    return this.request<T>('GET', path, query);
  }

  /** A JSON body sent as is (already serialized). */
  post<T>(path: string, jsonBody: string): Promise<ClientResult<T>> {
    return this.request<T>('POST', path, {}, jsonBody);
  }

  private async request<T>(method: string, path: string, query: Record<string, string>, jsonBody?: string): Promise<ClientResult<T>> {
    const qs = new URLSearchParams(query).toString();
    const url = `${this.base}${path}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (jsonBody !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, ...(jsonBody !== undefined ? { body: jsonBody } : {}), signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) });
    } catch (err) {
      const c = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
      const cause = c?.code ?? c?.errors?.[0]?.code ?? (c as { message?: string } | undefined)?.message;
      return { ok: false, error: { code: 'unreachable', status: 0, message: `cannot reach ${this.base}: ${cause ?? (err as Error).message}` } };
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return { ok: false, error: { code: 'bad_response', status: res.status, message: `${url} answered ${res.status} with a body that is not JSON` } };
    }
    if (!res.ok) {
      const e = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      return { ok: false, error: { code: e?.code ?? 'http_error', status: res.status, message: e?.message ?? `${url} answered ${res.status}` } };
    }
    return { ok: true, status: res.status, body: body as T };
  }
}
