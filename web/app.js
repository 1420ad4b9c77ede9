// Spotlight's web view: the fabric graph, switches, networks and VMs, explain
// and trace drawn on the graph, kept live by the event stream. Reads the same
// API as the `spotlight` commands (with the login cookie), nothing else.
'use strict';

const state = {
  generation: 0,
  switches: [],
  links: new Map(), // key -> { a, b, up }
  networks: [],
  vms: [],
  packetIns: new Map(), // dpid -> { count, at, rate }
  path: { nodes: new Set(), edges: new Set() },
};

const cy = cytoscape({
  container: document.getElementById('graph'),
  style: [
    { selector: 'node', style: { label: 'data(label)', 'background-color': '#369', color: '#222', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4, width: 28, height: 28, shape: 'round-rectangle' } },
    { selector: 'node.aggregation', style: { shape: 'diamond', width: 34, height: 34 } },
    { selector: 'node.offline', style: { 'background-color': '#bbb' } },
    { selector: 'edge', style: { width: 3, 'line-color': '#2a7', label: 'data(label)', 'font-size': 9, 'text-rotation': 'autorotate', color: '#555' } },
    { selector: 'edge.down', style: { 'line-color': '#d33', 'line-style': 'dashed' } },
    { selector: 'node.path', style: { 'background-color': '#f90' } },
    { selector: 'edge.path', style: { 'line-color': '#f90', width: 6 } },
  ],
  layout: { name: 'circle' },
  wheelSensitivity: 0.3,
});

async function get(path) {
  const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (res.status === 401 || res.redirected) {
    location.href = '/ui/login.html';
    throw new Error('not signed in');
  }
  return { status: res.status, body: await res.json() };
}

const linkKey = (l) => `${l.a.switch}:${l.a.port}~${l.b.switch}:${l.b.port}`;
const shortDpid = (d) => d.replace(/^0+(?=.)/, '');
const el = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
};

async function refresh() {
  const [health, sw, topo, nets, vms] = await Promise.all([get('/v1/health'), get('/v1/switches'), get('/v1/topology'), get('/v1/networks'), get('/v1/vms')]);
  state.generation = health.body.generation ?? state.generation;
  state.switches = sw.body.switches;
  state.networks = nets.body.networks;
  state.vms = vms.body.vms;
  // A link the fabric no longer shows stays on the graph, drawn as lost.
  const now = new Set();
  for (const l of topo.body.links) {
    const k = linkKey(l);
    now.add(k);
    state.links.set(k, { a: l.a, b: l.b, up: true });
  }
  for (const [k, l] of state.links) if (!now.has(k)) l.up = false;
  const t = performance.now();
  for (const s of state.switches) {
    const prev = state.packetIns.get(s.dpid);
    const count = s.packetIns ?? 0;
    const rate = prev && t > prev.at ? Math.max(0, ((count - prev.count) * 1000) / (t - prev.at)) : 0;
    state.packetIns.set(s.dpid, { count, at: t, rate });
  }
  render();
}

function renderGraph() {
  const before = cy.nodes().length;
  const want = new Set();
  for (const s of state.switches) {
    want.add(s.dpid);
    const data = { id: s.dpid, label: s.name ? `${s.name}` : shortDpid(s.dpid) };
    let n = cy.getElementById(s.dpid);
    if (n.empty()) n = cy.add({ group: 'nodes', data });
    else n.data(data);
    n.toggleClass('offline', !s.connected);
    n.toggleClass('aggregation', s.role === 'aggregation');
    n.toggleClass('path', state.path.nodes.has(s.dpid));
  }
  for (const [k, l] of state.links) {
    for (const end of [l.a.switch, l.b.switch]) {
      if (cy.getElementById(end).empty()) cy.add({ group: 'nodes', data: { id: end, label: shortDpid(end) } });
      want.add(end);
    }
    let e = cy.getElementById(k);
    if (e.empty()) e = cy.add({ group: 'edges', data: { id: k, source: l.a.switch, target: l.b.switch, label: `${l.a.port} - ${l.b.port}` } });
    e.toggleClass('down', !l.up);
    e.data('up', l.up);
    const pathEdge = state.path.edges.has(`${l.a.switch}|${l.b.switch}`) || state.path.edges.has(`${l.b.switch}|${l.a.switch}`);
    e.toggleClass('path', pathEdge && l.up);
  }
  cy.nodes().filter((n) => !want.has(n.id())).remove();
  if (cy.nodes().length !== before) {
    const roots = state.switches.filter((s) => s.role === 'aggregation').map((s) => `#${s.dpid}`);
    cy.layout(roots.length ? { name: 'breadthfirst', roots, spacingFactor: 1.2 } : { name: 'circle' }).run();
  }
}

/** "120 / 2000" (flows), "240 / 2000 TCAM" (pica8), "120 / -" without a budget. */
function tableUseText(t) {
  if (!t) return '-';
  return `${t.used} / ${t.budget ?? '-'}${t.unit === 'tcam entries' ? ' TCAM' : ''}`;
}

function renderSwitches() {
  const body = document.querySelector('#switches tbody');
  body.replaceChildren();
  for (const s of state.switches) {
    const tr = el('tr');
    tr.dataset.dpid = s.dpid;
    const lag = s.realizedGeneration === null ? '-' : state.generation - s.realizedGeneration;
    const rate = state.packetIns.get(s.dpid)?.rate ?? 0;
    const cells = [
      [s.name ? `${s.name} (${s.dpid})` : s.dpid],
      [s.role ?? '-'],
      [s.connected ? s.version : `${s.version ?? '-'} (not connected)`],
      [s.flowCount, 'num'],
      [tableUseText(s.table), s.table && s.table.budget !== null && s.table.used > s.table.budget ? 'num budget over' : 'num budget'],
      [s.realizedGeneration ?? '-', 'num'],
      [lag, 'num'],
      [rate.toFixed(1), 'num'],
    ];
    for (const [text, cls] of cells) tr.append(el('td', text, cls));
    body.append(tr);
  }
}

function renderNetworks() {
  const box = document.getElementById('networks');
  box.replaceChildren();
  const where = new Map(state.vms.map((v) => [v.name, v]));
  for (const n of state.networks) {
    const d = el('details');
    d.open = true;
    d.append(el('summary', `${n.name}: ${n.kind} of ${n.tenant}, segment ${n.segment}${n.cidrs.length ? `, ${n.cidrs.join(' ')}` : ''} (${n.vms.length} VMs)`));
    const ul = el('ul');
    for (const g of n.gateways) ul.append(el('li', `gateway ${g.mac} ${g.ips.join(' ')} at ${g.switch}:${g.port}`));
    for (const name of n.vms) {
      const vm = where.get(name);
      const at = (vm?.interfaces ?? []).filter((i) => i.network === n.name).map((i) => `${i.mac} ${i.ips.join(' ')} at ${i.switch}:${i.port}`);
      const mig = vm?.migration ? `, migrating to ${vm.migration.destinations.map((x) => `${x.switch}:${x.port}`).join(' ')}` : '';
      ul.append(el('li', `${name} (${vm?.tenant ?? '?'}): ${at.join('; ')}${mig}`));
    }
    d.append(ul);
    box.append(d);
  }
  for (const id of ['from', 'to']) {
    const sel = document.getElementById(id);
    const keep = sel.value;
    sel.replaceChildren(...state.vms.map((v) => el('option', v.name)));
    if (keep) sel.value = keep;
  }
}

function render() {
  document.getElementById('generation').textContent = String(state.generation);
  renderGraph();
  renderSwitches();
  renderNetworks();
}

/** Highlights the switches a trace passes and the links between consecutive ones. */
function showPath(traces) {
  state.path = { nodes: new Set(), edges: new Set() };
  for (const t of traces) {
    let prev;
    for (const step of t.steps) {
      state.path.nodes.add(step.switch);
      if (prev && prev !== step.switch) state.path.edges.add(`${prev}|${step.switch}`);
      prev = step.switch;
    }
  }
  renderGraph();
}

document.getElementById('explain').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const from = document.getElementById('from').value;
  const to = document.getElementById('to').value;
  const r = await get(`/v1/explain?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  const out = document.getElementById('explain-out');
  if (r.status !== 200) {
    out.textContent = r.body.error.message;
    return;
  }
  const x = r.body;
  const lines = [`${x.from} -> ${x.to}: ${x.allowed ? 'ALLOWED' : 'DENIED'} (${x.rule})`, x.reason];
  for (const p of x.paths) lines.push(`${p.direction} on ${p.network}: ${p.trace.verdict}${p.reaches ? ', reaches' : ''}`);
  for (const n of x.notes) lines.push(`note: ${n}`);
  out.textContent = lines.join('\n');
  showPath(x.paths.map((p) => p.trace));
});

document.getElementById('trace').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const r = await get(`/v1/trace?packet=${encodeURIComponent(document.getElementById('packet').value)}`);
  const out = document.getElementById('trace-out');
  if (r.status !== 200) {
    out.textContent = `${r.body.error.message}`;
    return;
  }
  const t = r.body;
  const lines = t.steps.map((s) => `${s.switch} table ${s.table} ${s.stage ?? 'miss'}: ${s.match || '*'} -> ${s.actions ?? 'drop'}`);
  lines.push(`verdict: ${t.verdict}${t.delivered.length ? ` to ${t.delivered.map((d) => `${d.switch}:${d.port}`).join(', ')}` : ''}`);
  out.textContent = lines.join('\n');
  showPath([t]);
});

// Live: every event is shown and triggers one refresh (events in a burst share it).
let pending;
const schedule = () => {
  clearTimeout(pending);
  pending = setTimeout(() => refresh().catch(() => undefined), 200);
};
function follow() {
  const status = document.getElementById('stream');
  const es = new EventSource('/v1/events');
  const types = ['model', 'switch-connected', 'switch-disconnected', 'link-up', 'link-down', 'realized', 'spoof-drops', 'migration', 'gap'];
  for (const type of types) {
    es.addEventListener(type, (m) => {
      const e = JSON.parse(m.data);
      const list = document.getElementById('events');
      list.prepend(el('li', `${e.seq ?? ''} ${type} ${JSON.stringify(e.data ?? e)}`));
      while (list.children.length > 50) list.lastChild.remove();
      schedule();
    });
  }
  es.onopen = () => {
    status.textContent = 'event stream: live';
    status.className = 'stream live';
  };
  es.onerror = () => {
    status.textContent = 'event stream: reconnecting';
    status.className = 'stream down';
  };
}

window.spotlightUi = { cy, state, refresh };
refresh().then(follow, (err) => console.error(err));
// Rates need a steady clock even when nothing happens.
setInterval(() => refresh().catch(() => undefined), 5000);
