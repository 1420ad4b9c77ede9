// `spotlight serve [flags]` (contract.md, "Starting it").
import { Command, InvalidArgumentError } from 'commander';
import { Controller, type HostPort } from './controller.js';
import { createLogger } from './log.js';
import { loadConfig, type SpotlightConfig } from './runtime/config.js';
import { loadDescription, type TopologyDescription } from './topo/description.js';

/** "HOST:PORT", "[v6]:PORT" or ":PORT"; port 0 asks for any free port. */
function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`expected HOST:PORT, got "${text}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

interface ServeOptions {
  openflow: HostPort;
  api: HostPort;
  data: string;
  config?: string;
  logLevel: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

function buildProgram(run: (opts: ServeOptions) => Promise<void>): Command {
  const program = new Command('spotlight').description('OpenFlow controller for tenant networking in KVM clouds');
  program
    .command('serve')
    .description('run the controller')
    .option('--openflow <host:port>', 'where switches connect', parseHostPort, parseHostPort('0.0.0.0:6653'))
    .option('--api <host:port>', 'HTTP API address', parseHostPort, parseHostPort('127.0.0.1:8080'))
    .option('--data <dir>', 'state directory (LevelDB)', './data')
    .option('--config <file>', 'settings file (topology, tokens, limits, TLS)')
    .option('--log-level <level>', 'error, warn, info, debug', process.env.SPOTLIGHT_LOG_LEVEL ?? 'info')
    .option('--tls-cert <file>', 'OpenFlow over TLS: controller certificate (PEM)')
    .option('--tls-key <file>', 'OpenFlow over TLS: controller private key (PEM)')
    .option('--tls-ca <file>', 'OpenFlow over TLS: CA that signs switch certificates (PEM)')
    .action(async (opts: ServeOptions) => run(opts));
  return program;
}

async function serve(opts: ServeOptions): Promise<void> {
  const logger = createLogger({ level: opts.logLevel });
  const tlsParts = [opts.tlsCert, opts.tlsKey, opts.tlsCa].filter((x) => x !== undefined).length;
  if (tlsParts !== 0 && tlsParts !== 3) {
    logger.error('TLS needs all of --tls-cert, --tls-key and --tls-ca');
    process.exit(2);
  }
  let config: SpotlightConfig = {};
  if (opts.config !== undefined) {
    const loaded = await loadConfig(opts.config);
    if (!loaded.ok) {
      logger.error(`bad settings file: ${loaded.error.message}`, { code: loaded.error.code, field: loaded.error.field, file: opts.config });
      process.exit(2);
    }
    config = loaded.config;
  }
  let description: TopologyDescription | undefined;
  if (config.topology !== undefined) {
    const d = await loadDescription(config.topology);
    if (!d.ok) {
      logger.error(`bad topology description ${config.topology}: ${d.error.message}`, { code: d.error.code, field: d.error.field });
      process.exit(2);
    }
    description = d.description;
  }
  const tls =
    opts.tlsCert && opts.tlsKey && opts.tlsCa ? { cert: opts.tlsCert, key: opts.tlsKey, ca: opts.tlsCa } : config.openflow?.tls;
  const r = config.reconcile ?? {};
  const controller = new Controller({
    openflow: { ...opts.openflow, ...(tls ? { tls } : {}) },
    api: opts.api,
    dataDir: opts.data,
    ...(opts.config !== undefined ? { configFile: opts.config } : {}),
    ...(config.api?.token !== undefined ? { apiToken: config.api.token } : {}),
    ...(config.api?.bodyLimit !== undefined ? { apiBodyLimit: config.api.bodyLimit } : {}),
    topology: {
      ...(description ? { description } : {}),
      ...(config.discovery?.probeIntervalMs !== undefined ? { probeIntervalMs: config.discovery.probeIntervalMs } : {}),
    },
    reconcile: {
      ...(r.auditIntervalMs !== undefined ? { auditIntervalMs: r.auditIntervalMs } : {}),
      ...(r.coalesceMs !== undefined ? { coalesceMs: r.coalesceMs } : {}),
      ...(r.bundles !== undefined ? { bundles: r.bundles } : {}),
      ...(config.limits?.packetInRate !== undefined ? { packetInRate: config.limits.packetInRate } : {}),
      ...(config.limits?.packetInBurst !== undefined ? { packetInBurst: config.limits.packetInBurst } : {}),
      ...(config.discovery?.settleMs !== undefined ? { settleMs: config.discovery.settleMs } : {}),
    },
    logger,
  });
  const shutdown = (signal: string): void => {
    logger.info('signal received, shutting down', { signal });
    controller.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    await controller.start();
  } catch (err) {
    logger.error('could not start', { error: err instanceof Error ? err.message : String(err) });
    await controller.stop().catch(() => undefined);
    process.exit(1);
  }
}

// Run on import: bin/spotlight.js imports the compiled file, npm start runs it.
buildProgram(serve)
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(String(err));
    process.exit(1);
  });
