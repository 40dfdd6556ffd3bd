// `npm start`: supervises the example service in status/demo with bin/supervise, as a user would,
// then says how to look at it and how to stop it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const statusDir = 'status/demo';
const result = spawnSync('bin/supervise', ['-p', statusDir, '-F', 'supervise.conf', '-f', 'node examples/demo-service.mjs'], {
  stdio: 'inherit',
});
if (result.status !== 0) {
  // 111 with "held by pid" means the demo already runs: that is fine for a demo.
  console.error(`bin/supervise exited with status ${result.status}`);
  process.exit(result.status ?? 1);
}
const pid = execFileSync('od', ['-An', '-j16', '-N4', '-tu4', path.join(statusDir, 'status')]).toString().trim();
console.log(`
The example service runs under supervise (service pid ${pid}).

  bin/svc status ${statusDir}          state, pid, uptime, restarts
  od -An -j16 -N4 -tu4 ${statusDir}/status   the service pid, meetbill style
  kill -USR1 ${pid}                    make it crash, then watch it come back:
  cat ${statusDir}/supervise.log
  bin/svc ${statusDir} log -f          follow its output
  echo d > ${statusDir}/control        stop the service (u starts it again)
  bin/svc ${statusDir} exit            stop the service and its supervise
`);
if (!fs.existsSync('bin/svc')) console.log('(bin/svc is not built yet in this checkout)');
