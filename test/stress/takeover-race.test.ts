// The takeover race (issue 9), repeated: 100 times, the holder is killed with SIGKILL and ten
// supervise are started at once on its directory. Each time exactly one wins and the service is
// one copy. The figures (trials, winners, refusals) go to docs/reliability.md.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { raceTrial } from '../fixtures/race-trial.ts';
import { sandbox, SERVICE, startService } from '../helpers/harness.ts';

const TRIALS = Number(process.env.RACE_TRIALS ?? 100);

test(`${TRIALS} takeover races of ten supervise each: one winner and one copy every time`, { timeout: 30 * 60_000 }, async (t) => {
  const box = sandbox(t, { name: 'app' });
  const command = `${SERVICE} forever ${box.root}`;
  const first = await startService(box, command);
  let holder = first.supervisorPid;
  let refused = 0;
  const began = performance.now();
  for (let trial = 1; trial <= TRIALS; trial += 1) {
    const { winner, codes } = await raceTrial(box, holder, command);
    assert.notEqual(winner, holder);
    refused += codes.filter((code) => code === 111).length;
    holder = winner;
  }
  t.diagnostic(`${TRIALS} trials, ${TRIALS} winners, ${refused} refused with 111, in ${Math.round((performance.now() - began) / 1000)} s`);
});
