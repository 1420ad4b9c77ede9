// A process holding a liveness listener as a Spotlight instance does, so a
// test can pause it (SIGSTOP) or kill it (SIGKILL) and probe what is left.
// argv[2] is the instance id; prints "PORT n" once listening.
import { LivenessListener } from '../../src/cluster/liveness.js';

const listener = new LivenessListener(process.argv[2] ?? 'child');
const { port } = await listener.listen('127.0.0.1');
process.stdout.write(`PORT ${port}\n`);
// Stays up until killed: the listener keeps the event loop alive.
