// The health of the etcd cluster that holds the model, as GET /v1/cluster
// shows it: the member list, then a status call to each member on its own
// (a client per member, closed after), so that a member that is down shows
// as unreachable rather than hidden behind the client's failover.
import type { Etcd3 } from 'etcd3';
import { connectEtcd, type EtcdSettings } from './etcd-connection.js';

/** One etcd member as GET /v1/cluster shows it. */
export interface EtcdMemberHealth {
  /** The member id (hex, as etcdctl prints it). */
  id: string;
  /** Empty while the member has not started. */
  name: string;
  clientUrls: string[];
  /** It answered a status call in time. */
  reachable: boolean;
  leader: boolean;
  /** Its etcd version, when it answered. */
  version: string | null;
  /** Why it did not answer. */
  error?: string;
}

export interface EtcdHealth {
  /** Some member answered. */
  reachable: boolean;
  /** The raft leader's member name (or id when unnamed), null when none is known: then etcd commits no write. */
  leader: string | null;
  members: EtcdMemberHealth[];
  /** Why the member list could not be read (members then lists the configured endpoints). */
  error?: string;
}

/** Deadline of each member's status call. */
const STATUS_TIMEOUT_MS = 1000;

/** "http://127.0.0.1:2379" -> "127.0.0.1:2379". */
const hostPort = (url: string): string => url.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
const hexId = (id: string): string => BigInt(id).toString(16);

async function memberStatus(settings: EtcdSettings, endpoints: string[]): Promise<{ version: string; memberId: string; leader: string } | { error: string }> {
  const client = connectEtcd({ ...settings, endpoints, callTimeoutMs: STATUS_TIMEOUT_MS });
  try {
    const s = await client.maintenance.status();
    return { version: s.version, memberId: hexId(s.header.member_id), leader: hexId(s.leader) };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  } finally {
    client.close();
  }
}

/** Reads the members through `client`, then asks each member for its status. */
export async function etcdHealth(settings: EtcdSettings, client: Etcd3): Promise<EtcdHealth> {
  let listed: { id: string; name: string; clientUrls: string[] }[];
  let listError: string | undefined;
  try {
    const res = await client.cluster.memberList({});
    listed = res.members.map((m) => ({ id: hexId(m.ID), name: m.name, clientUrls: m.clientURLs })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    // No member answered: show the configured endpoints, each unreachable or not on its own.
    listError = (e as Error).message.split('\n')[0]!;
    listed = settings.endpoints.map((ep) => ({ id: '', name: '', clientUrls: [`${settings.tls ? 'https' : 'http'}://${ep}`] }));
  }
  const statuses = await Promise.all(listed.map((m) => (m.clientUrls.length > 0 ? memberStatus(settings, m.clientUrls.map(hostPort)) : Promise.resolve({ error: 'not started' }))));
  const leaderId = statuses.map((s) => ('leader' in s && s.leader !== '0' ? s.leader : undefined)).find((l) => l !== undefined);
  const members: EtcdMemberHealth[] = listed.map((m, i) => {
    const s = statuses[i]!;
    const id = m.id || ('memberId' in s ? s.memberId : '');
    return {
      id,
      name: m.name,
      clientUrls: m.clientUrls,
      reachable: !('error' in s),
      leader: id !== '' && id === leaderId,
      version: 'version' in s ? s.version : null,
      ...('error' in s ? { error: s.error } : {}),
    };
  });
  const leader = members.find((m) => m.leader);
  return {
    reachable: members.some((m) => m.reachable),
    leader: leader ? leader.name || leader.id : null,
    members,
    ...(listError !== undefined ? { error: listError } : {}),
  };
}
