// Prometheus metrics: definitions, the one-call attachment to a controller,
// and the session wrapper that counts what the reconciler sends.
export { attachMetrics, frameKind, hookName, type AttachedMetrics, type MetricsSources, type SwitchConnected, type SwitchEvents } from './attach.js';
export { SpotlightMetrics } from './definitions.js';
export { instrumentSession, recordSpoofDrops } from './session.js';
