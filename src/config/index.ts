// The settings file: loading with field-named errors, the documented field
// list, and which of flag, environment and file wins.
export { SETTING_FIELDS, keysUnder, type SettingField } from './fields.js';
export {
  LOG_LEVELS,
  loadConfig,
  parseConfig,
  parseListen,
  type ConfigError,
  type ConfigErrorCode,
  type ConfigResult,
  type ListenAddress,
  type LogLevel,
  type SpotlightConfig,
} from './load.js';
export { checkSettings, DEFAULTS, effectiveSettings, type EffectiveSettings, type ServeFlags } from './merge.js';
