// The compiler's public surface: what the reconciler and the controller use.
export { compile, FlowCompiler } from './compile.js';
export { answerArp, parseArp, type Ingress } from './arp.js';
export { COOKIE_TAG_MASK, COOKIE_TAG_VALUE, cookieFor, cookieKind, isSpotlightCookie } from './cookie.js';
export { flowText, matchText, switchText } from './ofctl-text.js';
export { checkFlow, STAGES, type StageDecl } from './pipeline.js';
export type { CompileResult, DesiredFlow, Diagnostic, DiagnosticCode, SwitchFlows } from './types.js';
