// supervise as a container's entrypoint (docs/containers.md), run the way a container runtime
// runs it: in a PID namespace of its own, as PID 1 or below a PID 1 that never reaps. Orphans
// are reaped whatever the services double-fork; SIGTERM stops every service in dependency order
// and the host exits 0; an essential service that ends takes the host down with its exit code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { lines, processesMentioning, readText, ROOT, SUPERVISE, waitFor } from '../helpers/harness.ts';
import { hostBox } from '../helpers/host-harness.ts';
import { commandLineOf, namespaceProblem, startContained, zombiesUnder, type Contained } from '../helpers/namespaces.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const ORPHANS = path.join(ROOT, 'test/fixtures/orphans.sh');
const ORPHAN_COUNT = 100;

/** Skips, saying why, where the machine cannot make namespaces; true when the test may go on. */
function namespacesOr(t: TestContext): boolean {
  const problem = namespaceProblem();
  if (problem !== null) t.skip(problem);
  return problem === null;
}

/**
 * Waits until the service made every orphan and every orphan ended, then until no zombie is left
 * in the namespace; says how many there were when it gives up.
 */
async function expectOrphansReaped(contained: Contained, record: string): Promise<void> {
  await waitFor(`${ORPHAN_COUNT} orphans to have run (lines in ${record})`, () => lines(readText(record)).length >= ORPHAN_COUNT, { timeoutMs: 60_000 });
  // An orphan's command line ends with `orphan RECORD` (the service's and its keeper's do not).
  await waitFor('every orphan to have ended', () => processesMentioning(`orphan ${record}`).length === 0, { timeoutMs: 30_000 });
  let zombies: number[] = [];
  try {
    await waitFor('no zombie in the namespace', () => (zombies = zombiesUnder(contained.unsharePid)).length === 0, { timeoutMs: 10_000 });
  } catch {
    assert.fail(`${zombies.length} zombie(s) left in the namespace (pids ${zombies.slice(0, 5).join(' ')}…): orphans are not reaped`);
  }
}

describe('supervise in a container', () => {
  it('supervise --host as PID 1 reaps every orphan: a service double-forks 100 short-lived orphans, no zombie is left', async (t) => {
    if (!namespacesOr(t)) return;
    const box = hostBox(t, '');
    const record = path.join(box.root, 'orphans.done');
    box.writeConf(`[orphans]\ncommand : sh ${ORPHANS} ${ORPHAN_COUNT} ${record}\n`);
    const contained = startContained(t, [SUPERVISE, '--host', '--foreground', '-F', box.conf, '-p', box.services], { cwd: box.root, env: box.env });
    const pid1 = await contained.pid1();
    await expectOrphansReaped(contained, record);
    assert.match(commandLineOf(pid1), /\/dist\/supervise-keeper init /, 'PID 1 is the keeper in init mode');
  });

  it('supervise --host below a PID 1 that never reaps (a shell that exec’d sleep) reaps every orphan as a child subreaper', async (t) => {
    if (!namespacesOr(t)) return;
    const box = hostBox(t, '');
    const record = path.join(box.root, 'orphans.done');
    box.writeConf(`[orphans]\ncommand : sh ${ORPHANS} ${ORPHAN_COUNT} ${record}\n`);
    const script = '"$0" "$@" & exec sleep 100000';
    const contained = startContained(t, ['sh', '-c', script, SUPERVISE, '--host', '--foreground', '-F', box.conf, '-p', box.services], { cwd: box.root, env: box.env });
    const pid1 = await contained.pid1();
    await expectOrphansReaped(contained, record);
    assert.match(commandLineOf(pid1), /^sleep 100000$/, 'PID 1 is sleep, which reaps nothing');
  });

  it('a per-service supervise as PID 1 reaps every orphan too', async (t) => {
    if (!namespacesOr(t)) return;
    const root = makeTempDir('supervise-pid1-');
    const record = path.join(root, 'orphans.done');
    const dir = path.join(root, 'status', 'orphans');
    fs.writeFileSync(path.join(root, 'supervise.conf'), '[global]\nkill_timeout : 1\n');
    const contained = startContained(t, [SUPERVISE, '--foreground', '-p', dir, '-f', `sh ${ORPHANS} ${ORPHAN_COUNT} ${record}`], { cwd: root });
    // After the namespace is gone (hooks run in the order they were added).
    t.after(() => removeTempDir(root));
    await contained.pid1();
    await expectOrphansReaped(contained, record);
  });
});
