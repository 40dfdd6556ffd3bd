// The floor under any Node supervisor: Node starts and spawns the fixture, nothing else.
// usage: node bench/node-floor.mjs FIXTURE LOGFILE [crash|run]
//   crash (default): spawn the fixture in crash mode and exit (start-up floor, figure f)
//   run:             spawn it in run mode and wait for it, until SIGTERM (memory and idle floor)
import { spawn } from 'node:child_process';

const [fixture, log, mode = 'crash'] = process.argv.slice(2);
const child = spawn(fixture, [mode, log], { stdio: 'ignore' });
if (mode === 'run') {
  child.on('exit', () => process.exit(0));
  process.on('SIGTERM', () => {
    child.kill('SIGTERM');
    process.exit(0);
  });
}
