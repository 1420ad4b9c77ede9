// api.agents: compute agents' tokens, checked by field, their switches read
// as canonical datapath ids, and handed to the controller.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSettings, effectiveSettings, loadConfig, parseConfig } from '../../../src/config/index.js';
import { controllerOptions } from '../../../src/controller-options.js';

function refusal(text: string): { field: string | undefined; message: string } {
  const r = parseConfig(text, 'f.yaml');
  expect(r.ok, `expected a refusal of ${text}`).to.equal(false);
  return r.ok ? { field: undefined, message: '' } : { field: r.error.field, message: r.error.message };
}

const TOPOLOGY = 'topology: {switches: [{name: hv17-switch, dpid: "0000000000000011", role: edge}]}';

describe('config: api.agents', () => {
  it('names the bad field', () => {
    expect(refusal('api: {agents: {hv1: x}}').field).to.equal('api.agents');
    expect(refusal('api: {agents: [x]}').field).to.equal('api.agents[0]');
    expect(refusal('api: {agents: [{name: hv1, token: a, switches: [1], colour: red}]}').field).to.equal('api.agents[0].colour');
    expect(refusal('api: {agents: [{token: a, switches: [1]}]}').field).to.equal('api.agents[0].name');
    expect(refusal('api: {agents: [{name: hv1, switches: [1]}]}').field).to.equal('api.agents[0].token');
    expect(refusal('api: {agents: [{name: hv1, token: a, tokenFile: f, switches: [1]}]}').field).to.equal('api.agents[0].token');
    expect(refusal('api: {agents: [{name: hv1, token: "a b", switches: [1]}]}').field).to.equal('api.agents[0].token');
    expect(refusal('api: {agents: [{name: hv1, token: a, switches: []}]}').field).to.equal('api.agents[0].switches');
    expect(refusal('api: {agents: [{name: hv1, token: a}]}').field).to.equal('api.agents[0].switches');
    expect(refusal('api: {agents: [{name: hv1, token: a, switches: [1]}, {name: hv1, token: b, switches: [2]}]}').field).to.equal('api.agents[1].name');
    const unknown = refusal('api: {agents: [{name: hv1, token: a, switches: [1, nowhere]}]}');
    expect(unknown.field).to.equal('api.agents[0].switches[1]');
    expect(unknown.message).to.contain('"nowhere"');
  });

  it('reads switches as canonical datapath ids: numbers, hex forms and topology names', () => {
    const r = parseConfig(`api: {token: op, agents: [{name: hv17, token: a, switches: [1, "0x2", "00:00:00:00:00:00:00:03", hv17-switch]}]}\n${TOPOLOGY}`, 'f.yaml');
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(r.config.api?.agents).to.deep.equal([
      { name: 'hv17', token: 'a', switches: ['0000000000000001', '0000000000000002', '0000000000000003', '0000000000000011'] },
    ]);
    const opts = controllerOptions(effectiveSettings({}, r.config, {}));
    expect(opts.apiToken).to.equal('op');
    expect(opts.apiAgents).to.deep.equal([{ name: 'hv17', token: 'a', switches: ['0000000000000001', '0000000000000002', '0000000000000003', '0000000000000011'] }]);
  });

  it('without api.agents the controller gets no agents', () => {
    const r = parseConfig('api: {token: op}', 'f.yaml');
    expect(r.ok && controllerOptions(effectiveSettings({}, r.config, {})).apiAgents).to.equal(undefined);
  });

  it('refuses agents without an operator token, and a token used twice (files and environment included)', async () => {
    const check = async (text: string, env: NodeJS.ProcessEnv = {}) => {
      const r = parseConfig(text, 'f.yaml');
      expect(r.ok, text).to.equal(true);
      return r.ok ? checkSettings(effectiveSettings({}, r.config, env), {}, env) : undefined;
    };
    const agent = (token: string, name = 'hv1') => `{name: ${name}, token: ${token}, switches: [1]}`;
    expect((await check(`api: {agents: [${agent('a')}]}`))?.field).to.equal('api.agents');
    expect(await check(`api: {agents: [${agent('a')}]}`, { SPOTLIGHT_API_TOKEN: 'op' })).to.equal(undefined);
    expect((await check(`api: {token: op, agents: [${agent('op')}]}`))?.field).to.equal('api.agents[0].token');
    expect((await check(`api: {agents: [${agent('a')}, ${agent('op', 'hv2')}]}`, { SPOTLIGHT_API_TOKEN: 'op' }))?.field).to.equal('api.agents[1].token');
    expect((await check(`api: {token: op, agents: [${agent('a')}, ${agent('a', 'hv2')}]}`))?.field).to.equal('api.agents[1].token');
    expect(await check('api: {token: op}')).to.equal(undefined);
  });

  describe('from a file', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'spotlight-agents-'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('reads tokenFile against the settings file, and names from a topology file', async () => {
      await writeFile(join(dir, 'hv17.token'), '  agent-secret\n');
      await writeFile(join(dir, 'fabric.yaml'), 'switches: [{name: hv17-switch, dpid: "0000000000000011", role: edge}]\n');
      await writeFile(join(dir, 's.yaml'), 'topology: fabric.yaml\napi: {token: op, agents: [{name: hv17, tokenFile: hv17.token, switches: [hv17-switch]}]}\n');
      const r = await loadConfig(join(dir, 's.yaml'));
      expect(r.ok).to.equal(true);
      if (r.ok) expect(r.config.api?.agents).to.deep.equal([{ name: 'hv17', tokenFile: join(dir, 'hv17.token'), token: 'agent-secret', switches: ['0000000000000011'] }]);
    });

    it('names the agent whose token file cannot be read, or whose switch the topology file lacks', async () => {
      await writeFile(join(dir, 'missing.yaml'), 'api: {token: op, agents: [{name: hv1, token: a, switches: [1]}, {name: hv2, tokenFile: nothing-here, switches: [2]}]}\n');
      const missing = await loadConfig(join(dir, 'missing.yaml'));
      expect(!missing.ok && missing.error.field).to.equal('api.agents[1].tokenFile');
      await writeFile(join(dir, 'fabric.yaml'), 'switches: [{name: hv17-switch, dpid: "0000000000000011", role: edge}]\n');
      await writeFile(join(dir, 'unnamed.yaml'), 'topology: fabric.yaml\napi: {token: op, agents: [{name: hv1, token: a, switches: [hv18-switch]}]}\n');
      const unnamed = await loadConfig(join(dir, 'unnamed.yaml'));
      expect(!unnamed.ok && unnamed.error.field).to.equal('api.agents[0].switches[0]');
    });

    it('examples/spotlight.yaml gives its agent a token from its file and the switch named e1', async () => {
      const r = await loadConfig('examples/spotlight.yaml');
      expect(r.ok).to.equal(true);
      if (r.ok) expect(r.config.api?.agents?.map((a) => [a.name, a.token, a.switches])).to.deep.equal([['hv1', 'example-agent-token-change-me', ['0000000000000001']]]);
    });
  });
});
