// The metrics Spotlight exports at GET /metrics (Prometheus text format), on a
// registry of their own so that tests and several controllers in one process
// never share values.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Round trips of a batch of flow-mods closed by a barrier (or a bundle commit). */
const BARRIER_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Hook calls include `?wait`, which may last seconds. */
const HOOK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class SpotlightMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  readonly switchesConnected = new Gauge({ name: 'spotlight_switches_connected', help: 'Switches with an OpenFlow session up', registers: this.registers });
  readonly flows = new Gauge({
    name: 'spotlight_switch_flows',
    help: 'Flows installed on a switch, as the reconciler last confirmed them',
    labelNames: ['dpid'] as const,
    registers: this.registers,
  });
  readonly desiredFlows = new Gauge({
    name: 'spotlight_switch_desired_flows',
    help: 'Flows the compiler wants on a switch',
    labelNames: ['dpid'] as const,
    registers: this.registers,
  });
  readonly tableUsed = new Gauge({
    name: 'spotlight_switch_table_used',
    help: "Table entries the compiled flows take on a switch, counted by its budget profile (flows, or TCAM entries for pica8)",
    labelNames: ['dpid'] as const,
    registers: this.registers,
  });
  readonly tableBudget = new Gauge({
    name: 'spotlight_switch_table_budget',
    help: "A switch's table budget: the smaller of the settings' and the capacity it reported (absent when neither is known)",
    labelNames: ['dpid'] as const,
    registers: this.registers,
  });
  readonly groupCapacity = new Gauge({
    name: 'spotlight_switch_group_capacity',
    help:
      'Groups of a type an OpenFlow 1.3 switch takes, from its OFPMP_GROUP_FEATURES reply at connect: max_groups where the type is supported, else 0 ' +
      '(type: all, select, indirect, fast_failover). No series for OpenFlow 1.0 switches (no groups) nor for a switch that gave no reply',
    labelNames: ['dpid', 'type'] as const,
    registers: this.registers,
  });
  readonly groups = new Gauge({
    name: 'spotlight_switch_groups',
    help: 'Groups of a type Spotlight has an OpenFlow 1.3 switch hold (its desired state, which the reconciler installs), by type as in spotlight_switch_group_capacity',
    labelNames: ['dpid', 'type'] as const,
    registers: this.registers,
  });
  readonly tableFull = new Counter({
    name: 'spotlight_table_full_errors_total',
    help: 'Flow-mods a switch refused because its table is full (OF1.3 TABLE_FULL, OF1.0 ALL_TABLES_FULL)',
    labelNames: ['dpid'] as const,
    registers: this.registers,
  });
  readonly flowMods = new Counter({
    name: 'spotlight_flow_mods_sent_total',
    help: 'Flow-mods sent to switches, by command (add, modify, delete)',
    labelNames: ['dpid', 'command'] as const,
    registers: this.registers,
  });
  readonly batchFailures = new Counter({
    name: 'spotlight_flow_mod_batch_failures_total',
    help: 'Batches of flow-mods that were not confirmed, by reason',
    labelNames: ['dpid', 'reason'] as const,
    registers: this.registers,
  });
  readonly flowModErrors = new Counter({
    name: 'spotlight_flow_mod_errors_total',
    help: 'Flow-mods a switch answered with an OpenFlow ERROR',
    labelNames: ['dpid'] as const,
    registers: this.registers,
  });
  readonly barrierSeconds = new Histogram({
    name: 'spotlight_barrier_round_trip_seconds',
    help: 'From sending a batch of flow-mods to the barrier reply (or bundle commit) that confirms it',
    labelNames: ['dpid'] as const,
    buckets: BARRIER_BUCKETS,
    registers: this.registers,
  });
  readonly packetIns = new Counter({
    name: 'spotlight_packet_ins_total',
    help: 'Packet-ins received, by OpenFlow reason and frame kind (arp, ipv6, lldp, other)',
    labelNames: ['dpid', 'reason', 'kind'] as const,
    registers: this.registers,
  });
  readonly spoofDrops = new Gauge({
    name: 'spotlight_spoof_drops',
    help:
      'Packets dropped as spoofed, from the packet counters of the drop flows at the last flow read. ' +
      'port is a port number where a per-port drop flow exists (OpenFlow 1.0 port guards), "any" for a per-switch table-miss drop',
    labelNames: ['dpid', 'port', 'stage'] as const,
    registers: this.registers,
  });
  readonly hookSeconds = new Histogram({
    name: 'spotlight_hook_duration_seconds',
    help: 'Time to answer a compute-side hook, by hook and HTTP status (includes ?wait)',
    labelNames: ['hook', 'status'] as const,
    buckets: HOOK_BUCKETS,
    registers: this.registers,
  });
  readonly sessionsRefused = new Counter({
    name: 'spotlight_openflow_sessions_refused_total',
    help: 'Switch sessions refused, by reason (plain_tcp, address_limit, certificate, dpid_in_use, not_admitted)',
    labelNames: ['reason'] as const,
    registers: this.registers,
  });
  readonly generation = new Gauge({ name: 'spotlight_model_generation', help: 'Generation of the durable model', registers: this.registers });
  readonly realizedGeneration = new Gauge({
    name: 'spotlight_realized_generation',
    help: 'Highest model generation a switch has confirmed (barrier)',
    labelNames: ['dpid'] as const,
    registers: this.registers,
  });
  readonly generationLag = new Gauge({
    name: 'spotlight_realized_generation_lag',
    help: 'Model generation minus the generation a connected switch has confirmed',
    labelNames: ['dpid'] as const,
    registers: this.registers,
  });
  readonly maxGenerationLag = new Gauge({
    name: 'spotlight_realized_generation_lag_max',
    help: 'Largest realized generation lag over the connected switches (0 when none)',
    registers: this.registers,
  });

  /** Removes every series labelled with this datapath id. */
  async forgetSwitch(dpid: string): Promise<void> {
    for (const metric of [this.flowMods, this.batchFailures, this.flowModErrors, this.tableFull, this.barrierSeconds, this.packetIns, this.spoofDrops]) {
      const { values } = await metric.get();
      for (const v of values) {
        if (v.labels.dpid !== dpid) continue;
        // Histogram buckets carry `le`; the series is named without it.
        const labels: Record<string, string | number> = { ...v.labels };
        delete labels.le;
        (metric as Counter<string>).remove(labels);
      }
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Runs before every render: sets the gauges read from the components. */
  refresh: () => void = () => undefined;

  render(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }
}
