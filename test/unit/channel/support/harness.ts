// Starts an OpenFlowServer on an ephemeral loopback port for one test.
import { OpenFlowServer, type ServerEvents, type ServerOptions, type SwitchConnection } from '../../../../src/channel/index.js';
import { FakeSwitch, type FakeSwitchOptions } from './fake-switch.js';
import { silentLogger } from '../../../support/logs.js';

export async function startServer(opts: Partial<ServerOptions> = {}): Promise<{ server: OpenFlowServer; port: number }> {
  const server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger: silentLogger(), ...opts });
  const { port } = await server.listen();
  return { server, port };
}

/** The next event of this name (rejects after timeoutMs). */
export function nextEvent<K extends keyof ServerEvents>(server: OpenFlowServer, name: K, timeoutMs = 3000): Promise<ServerEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${String(name)} event within ${timeoutMs} ms`)), timeoutMs);
    const on = (ev: ServerEvents[K][0]): void => {
      clearTimeout(t);
      resolve(ev);
    };
    (server as unknown as { once(n: string, f: (e: unknown) => void): void }).once(name as string, on as (e: unknown) => void);
  });
}

/**
 * A FakeSwitch (offering OF1.0 and 1.3 unless `opts` say otherwise) connected
 * to the server on `port`, pushed onto `fakes` for the test to close, and the
 * server's connection to it once the handshake is done.
 */
export async function connectFake(server: OpenFlowServer, port: number, fakes: FakeSwitch[], opts: Omit<FakeSwitchOptions, 'port'> = {}): Promise<{ sw: FakeSwitch; conn: SwitchConnection }> {
  const ev = nextEvent(server, 'switchConnected');
  const sw = await FakeSwitch.connect({ port, bitmap: [1, 4], ...opts });
  fakes.push(sw);
  return { sw, conn: (await ev).connection };
}
