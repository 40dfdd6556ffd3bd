// When a change on disk counts (SPEC §16 change_settle), over made-up instants.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_PENDING_CHANGES, settleDeadline, settled, takeSettled, touch } from '../../src/policy/change-settle.ts';

describe('settled', () => {
  const table: [number, number, number, boolean][] = [
    [1000, 1000, 2000, false],
    [1000, 2999, 2000, false],
    [1000, 3000, 2000, true],
    [1000, 9000, 2000, true],
    [1000, 1000, 0, true],
  ];
  for (const [lastTouchedAt, now, settleMs, expected] of table) {
    it(`a path last touched at ${lastTouchedAt} ${expected ? 'has' : 'has not'} settled at ${now} with change_settle ${settleMs} ms`, () => {
      assert.equal(settled(lastTouchedAt, now, settleMs), expected);
    });
  }
});

describe('pending changes', () => {
  it('has no deadline while nothing is pending', () => {
    assert.equal(settleDeadline(NO_PENDING_CHANGES, 2000), null);
    assert.deepEqual(takeSettled(NO_PENDING_CHANGES, 1e9, 2000).settled, []);
  });

  it('settles a burst of touches once, change_settle after the last one', () => {
    // Writes every 300 ms from 1000 to 2500: the deadline keeps moving to 4500.
    let pending = NO_PENDING_CHANGES;
    for (let at = 1000; at <= 2500; at += 300) {
      pending = touch(pending, '/srv/app', at);
      assert.equal(settleDeadline(pending, 2000), at + 2000);
      assert.deepEqual(takeSettled(pending, at + 299, 2000).settled, []);
    }
    assert.deepEqual(takeSettled(pending, 4499, 2000).settled, []);
    const done = takeSettled(pending, 4500, 2000);
    assert.deepEqual(done.settled, ['/srv/app']);
    assert.equal(settleDeadline(done.pending, 2000), null);
  });

  it('settles two paths each on its own time, and never moves a deadline earlier', () => {
    let pending = touch(NO_PENDING_CHANGES, '/etc/a.conf', 100);
    pending = touch(pending, '/usr/bin/a', 900);
    pending = touch(pending, '/etc/a.conf', 50);
    assert.equal(settleDeadline(pending, 1000), 1100);
    const first = takeSettled(pending, 1100, 1000);
    assert.deepEqual(first.settled, ['/etc/a.conf']);
    assert.equal(settleDeadline(first.pending, 1000), 1900);
    assert.deepEqual(takeSettled(first.pending, 1900, 1000).settled, ['/usr/bin/a']);
  });
});
