// A lean HTTP client for the bench (node:http with keep-alive), so that the
// figures are the controller's and not a client's.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** One request; a connection failure is status 0 with the error as body. */
export function request(base: string, method: string, path: string, body?: unknown, timeoutMs = 120_000): Promise<Answer> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent,
        timeout: timeoutMs,
        headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - t0 }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ status: 0, body: e.message, ms: performance.now() - t0 }));
    req.end(data);
  });
}

export function closeAgent(): void {
  agent.destroy();
}
