// The `spotlight` operator commands (switches, vms, networks, flows, generations, explain, trace).
export { ApiClient, normalizeUrl, type ClientError, type ClientOptions, type ClientResult } from './api-client.js';
export { DEFAULT_API_URL, registerClientCommands, runClientCommand, type ClientIo } from './commands.js';
