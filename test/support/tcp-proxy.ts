// A loopback TCP proxy a test can cut: every connection through it is
// dropped at once, as a network fault drops a client's connection to its
// server, while the server itself keeps running.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** host:port to connect to instead of the target. */
  endpoint: string;
  /** Destroys every connection through the proxy; new ones are accepted. */
  cut(): void;
  /** While refusing, every connection is dropped as soon as it comes (and those open now are cut). */
  refuse(refusing: boolean): void;
  /** How many connections were accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const [host, port] = target.split(':') as [string, string];
  const open = new Set<Socket>();
  let accepted = 0;
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = connect(Number(port), host);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        open.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `127.0.0.1:${(server.address() as { port: number }).port}`,
    cut() {
      for (const s of open) s.destroy();
    },
    refuse(value) {
      refusing = value;
      if (value) for (const s of open) s.destroy();
    },
    get accepted() {
      return accepted;
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
