// The settings file: loading with field-named errors, the documented field
// list, and which of flag, environment and file wins.
export { SETTING_FIELDS, keysUnder, type SettingField } from './fields.js';
export { loadConfig, parseConfig, type ConfigError, type ConfigErrorCode, type ConfigResult } from './load.js';
export { LOG_LEVELS, type ListenAddress, type LogLevel, type SpotlightConfig } from './settings.js';
export { parseListen } from './validate.js';
export { checkSettings, DEFAULTS, effectiveSettings, type EffectiveSettings, type ServeFlags } from './merge.js';
