// Frame builders and the parser live in src/sim/ (spotlight trace uses them); tests import them from here.
export * from '../../src/sim/packets.js';
