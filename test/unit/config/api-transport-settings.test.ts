// The API's HTTPS, rate limit and timeouts in the settings file: checked by
// field, an unreadable certificate stops the start naming its field, and the
// controller gets them as given (startApi fills in the defaults).
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSettings, effectiveSettings, loadConfig, parseConfig } from '../../../src/config/index.js';
import { controllerOptions } from '../../../src/controller-options.js';

function fieldOf(text: string): string | undefined {
  const r = parseConfig(text, 'f.yaml');
  expect(r.ok, `expected a refusal of ${text}`).to.equal(false);
  return r.ok ? undefined : r.error.field;
}

function apiOptions(text: string) {
  const r = parseConfig(text, 'f.yaml');
  expect(r.ok, text).to.equal(true);
  if (!r.ok) throw new Error(r.error.message);
  return controllerOptions(effectiveSettings({}, r.config, {})).api;
}

describe('config: the API transport (api.tls, api.rateLimit, api.timeouts)', () => {
  it('names the bad field', () => {
    expect(fieldOf('api: {tls: {cert: c.pem}}')).to.equal('api.tls.key');
    expect(fieldOf('api: {tls: {cert: c.pem, key: k.pem, ca: ca.pem}}')).to.equal('api.tls.ca');
    expect(fieldOf('api: {rateLimit: true}')).to.equal('api.rateLimit');
    expect(fieldOf('api: {rateLimit: {max: 0}}')).to.equal('api.rateLimit.max');
    expect(fieldOf('api: {rateLimit: {timeWindowMs: 10}}')).to.equal('api.rateLimit.timeWindowMs');
    expect(fieldOf('api: {timeouts: {idleMs: 5}}')).to.equal('api.timeouts.idleMs');
    expect(fieldOf('api: {timeouts: {requestMs: "1m"}}')).to.equal('api.timeouts.requestMs');
    expect(fieldOf('api: {timeouts: {keepAlive: 1}}')).to.equal('api.timeouts.keepAlive');
  });

  it('hands the controller the rate limit (false: none) and timeouts as given', () => {
    expect(apiOptions('api: {listen: "127.0.0.1:9000"}')).to.deep.equal({ host: '127.0.0.1', port: 9000 });
    expect(apiOptions('api: {rateLimit: false}').rateLimit).to.equal(false);
    expect(apiOptions('api: {rateLimit: {max: 50}}').rateLimit).to.deep.equal({ max: 50 });
    expect(apiOptions('api: {timeouts: {idleMs: 30000}}').timeouts).to.deep.equal({ idleMs: 30_000 });
  });

  describe('from a file', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'spotlight-api-tls-settings-'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('reads the certificate paths against the settings file, and an unreadable one stops the start naming its field', async () => {
      await writeFile(join(dir, 'cert.pem'), 'not checked here\n');
      await writeFile(join(dir, 's.yaml'), 'api: {tls: {cert: cert.pem, key: missing-key.pem}}\n');
      const r = await loadConfig(join(dir, 's.yaml'));
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(r.config.api?.tls).to.deep.equal({ cert: join(dir, 'cert.pem'), key: join(dir, 'missing-key.pem') });
      const settings = effectiveSettings({}, r.config, {});
      expect(controllerOptions(settings).api.tls).to.deep.equal({ cert: join(dir, 'cert.pem'), key: join(dir, 'missing-key.pem') });
      const bad = await checkSettings(settings, {}, {});
      expect(bad?.field).to.equal('api.tls.key');
      expect(bad?.message).to.include(join(dir, 'missing-key.pem'));
      await writeFile(join(dir, 'missing-key.pem'), 'not checked here\n');
      expect(await checkSettings(settings, {}, {})).to.equal(undefined);
    });
  });
});
