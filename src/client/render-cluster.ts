// `spotlight status`: GET /v1/cluster as tables (instances, switches' masters,
// etcd members). Instance ids are shown by their first 8 characters; --json
// gives them whole.
import type { ClusterStatus } from '../api/deps.js';
import { table } from './table.js';

const short = (id: string | null): string => (id === null ? '-' : id.slice(0, 8));
const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

export function renderClusterStatus(s: ClusterStatus): string {
  const leader = s.leader ? `${short(s.leader.instance)}${s.leader.generationId !== null ? ` (generation ${s.leader.generationId})` : ''}` : 'none';
  const out = [`store ${s.store}, answered by ${short(s.instance)}, leader ${leader}\n`, '\n'];
  out.push(
    table(
      ['INSTANCE', 'API', 'OPENFLOW', 'ALIVE', 'LEADER'],
      s.instances.map((i) => [`${short(i.id)}${i.self ? ' (this)' : ''}`, i.api ?? '-', i.openflow ?? '-', i.alive ? 'yes' : `no${i.leftAt ? ` (left ${i.leftAt})` : ''}`, yesNo(i.leader)]),
    ),
  );
  out.push('\n');
  if (s.switches.length === 0) out.push('no switches\n');
  else {
    out.push(
      table(
        ['SWITCH', 'MASTER', 'ROLES'],
        s.switches.map((sw) => [sw.dpid, short(sw.master), sw.roles.map((r) => `${short(r.instance)} ${r.role}${r.generationId !== null ? `@${r.generationId}` : ''}`).join(', ')]),
      ),
    );
  }
  if (s.etcd) {
    const e = s.etcd;
    out.push('\n', `etcd ${e.reachable ? 'reachable' : 'unreachable'}, leader ${e.leader ?? 'none'}${e.error ? ` (member list: ${e.error})` : ''}\n`);
    out.push(
      table(
        ['MEMBER', 'ID', 'CLIENT URLS', 'REACHABLE', 'LEADER', 'VERSION'],
        e.members.map((m) => [m.name || '-', m.id || '-', m.clientUrls.join(',') || '-', m.reachable ? 'yes' : `no (${m.error ?? 'no answer'})`, yesNo(m.leader), m.version ?? '-']),
      ),
    );
  }
  return out.join('');
}
