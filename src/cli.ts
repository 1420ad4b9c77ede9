// `spotlight serve [flags]` (docs/contract.md, "Starting it").
import { Command, InvalidArgumentError, Option } from 'commander';
import { registerClientCommands } from './client/index.js';
import { checkSettings, effectiveSettings, loadConfig, LOG_LEVELS, type ServeFlags, type SpotlightConfig } from './config/index.js';
import { Controller } from './controller.js';
import { type HostPort } from './controller-options.js';
import { controllerOptions } from './controller-options.js';
import { createLogger } from './log.js';
import { packageVersion } from './package-root.js';
import { parseStoreLocation } from './store/etcd-connection.js';

/** "HOST:PORT", "[v6]:PORT" or ":PORT"; port 0 asks for any free port. */
function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`expected HOST:PORT, got "${text}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function parseStoreUrl(text: string): string {
  if (parseStoreLocation(text)?.kind !== 'etcd') throw new InvalidArgumentError(`expected etcd://HOST:PORT[,HOST:PORT...][/PREFIX], got "${text}"`);
  return text;
}

interface ServeOptions {
  openflow: HostPort;
  api: HostPort;
  data: string;
  store?: string;
  config?: string;
  logLevel: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

/** A listen flag whose default shows in --help as written, not as a parsed object. */
function listenOption(flags: string, description: string, fallback: string): Option {
  return new Option(flags, description).argParser(parseHostPort).default(parseHostPort(fallback), fallback);
}

function buildProgram(run: (opts: ServeOptions, given: ServeFlags) => Promise<void>): Command {
  const program = new Command('spotlight').description('OpenFlow controller for tenant networking in KVM clouds').version(packageVersion(), '--version', 'print the version');
  program
    .command('serve')
    .description('run the controller')
    .addOption(listenOption('--openflow <host:port>', 'where switches connect', '0.0.0.0:6653'))
    .addOption(listenOption('--api <host:port>', 'HTTP API address', '127.0.0.1:8080'))
    .option('--data <dir>', 'state directory (LevelDB)', './data')
    .option('--store <url>', 'the model in etcd, shared by several controllers: etcd://HOST:PORT[,HOST:PORT...][/PREFIX]', parseStoreUrl)
    .option('--config <file>', 'settings file (docs/settings.md)')
    .addOption(new Option('--log-level <level>', `${LOG_LEVELS.join(', ')} (env SPOTLIGHT_LOG_LEVEL, settings log.level)`).default('info'))
    .option('--tls-cert <file>', 'OpenFlow over TLS: controller certificate (PEM)')
    .option('--tls-key <file>', 'OpenFlow over TLS: controller private key (PEM)')
    .option('--tls-ca <file>', 'OpenFlow over TLS: CA that signs switch certificates (PEM)')
    .action(async (opts: ServeOptions, cmd: Command) => {
      // Only flags typed on the command line override the settings file, not commander's defaults.
      const typed = (k: keyof ServeOptions): boolean => cmd.getOptionValueSource(k) === 'cli';
      const given: ServeFlags = {};
      if (typed('openflow')) given.openflow = opts.openflow;
      if (typed('api')) given.api = opts.api;
      if (typed('data')) given.data = opts.data;
      if (opts.store !== undefined) given.store = opts.store;
      if (typed('logLevel')) given.logLevel = opts.logLevel;
      if (opts.tlsCert !== undefined) given.tlsCert = opts.tlsCert;
      if (opts.tlsKey !== undefined) given.tlsKey = opts.tlsKey;
      if (opts.tlsCa !== undefined) given.tlsCa = opts.tlsCa;
      return run(opts, given);
    });
  // Operator commands (switches, vms, networks, flows, generations, explain, trace): src/client/.
  registerClientCommands(program);
  return program;
}

async function serve(opts: ServeOptions, given: ServeFlags): Promise<void> {
  // The level is checked with the file's before it is used; until then, info.
  const logger = createLogger({ level: 'info' });
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
  const settings = effectiveSettings(given, config);
  const bad = await checkSettings(settings, given);
  if (bad) {
    logger.error(`bad settings: ${bad.message}`, { code: bad.code, field: bad.field, ...(opts.config !== undefined ? { file: opts.config } : {}) });
    process.exit(2);
  }
  logger.level = settings.logLevel;
  const controller = new Controller({ ...controllerOptions(settings), logger });
  // A terminal's Ctrl-C reaches both npm and the controller, and npm forwards
  // it: the second signal must not cut the first one's clean stop short.
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.info('signal received, already shutting down', { signal });
      return;
    }
    stopping = true;
    logger.info('signal received, shutting down', { signal });
    controller.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await controller.start();
  } catch (err) {
    logger.error('could not start', { error: err instanceof Error ? err.message : String(err) });
    await controller.stop().catch(() => undefined);
    process.exit(1);
  }
}

// Run on import: bin/spotlight.js and scripts/start.js (npm start) import the compiled file.
buildProgram(serve)
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(String(err));
    process.exit(1);
  });
