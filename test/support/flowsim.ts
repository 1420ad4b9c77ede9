// The flow-table simulator lives in src/sim/ (spotlight trace uses it); tests import it from here.
export * from '../../src/sim/flowsim.js';
