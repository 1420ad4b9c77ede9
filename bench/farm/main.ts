// The switch farm as a process of its own: `node --import tsx bench/farm/main.ts`.
// It reads commands on stdin and answers on stdout (control.ts); it exits when
// told to stop or when stdin closes.
import { createInterface } from 'node:readline';
import { bigintText } from '../../src/json.js';
import { FarmControl, type Command } from './control.js';

const control = new FarmControl(() => process.exit(0));
const answer = (o: unknown): void => void process.stdout.write(JSON.stringify(o, bigintText) + '\n');

createInterface({ input: process.stdin }).on('line', (line) => {
  let c: Command;
  try {
    c = JSON.parse(line) as Command;
  } catch {
    return answer({ id: null, ok: false, error: 'not JSON' });
  }
  control.run(c).then(
    (result) => answer({ id: c.id, ok: true, result }),
    (err: unknown) => answer({ id: c.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
}).on('close', () => process.exit(0));
