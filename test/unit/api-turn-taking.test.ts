// The API's answers take turns with the rest of the event loop (turn-taking.ts): queued work runs
// in order, in slices, and what the loop has to do meanwhile runs between two slices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TurnTaking } from '../../src/api/turn-taking.ts';

/** Work that holds the thread for about `ms`, as an answer under a flood would. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('queued work runs in order, and a turn of the loop comes between two slices', async () => {
  const turns = new TurnTaking(2);
  const order: string[] = [];
  const done = new Promise<void>((resolve) => {
    for (let i = 0; i < 20; i += 1) {
      turns.enqueue(() => {
        busy(1);
        order.push(`answer ${i}`);
        if (i === 19) resolve();
      });
    }
  });
  // What supervision would do next (a control byte, an exit): queued once the first slice has run.
  setImmediate(() => setImmediate(() => order.push('supervision')));
  await done;
  const answers = order.filter((entry) => entry !== 'supervision');
  assert.deepEqual(answers, Array.from({ length: 20 }, (_, i) => `answer ${i}`));
  const at = order.indexOf('supervision');
  assert.ok(at > 0 && at < 19, `supervision ran between the answers, not after all of them: ${order.join(', ')}`);
  assert.equal(turns.waiting, 0);
});

test('a slice runs at least one piece of work, however long it takes', async () => {
  const turns = new TurnTaking(0);
  const ran: number[] = [];
  await new Promise<void>((resolve) => {
    turns.enqueue(() => ran.push(1));
    turns.enqueue(() => {
      ran.push(2);
      resolve();
    });
  });
  assert.deepEqual(ran, [1, 2]);
});
