// The walk of a process tree (process-tree.ts) over what /proc listed: pure, so its size limits
// are tested without starting 200,000 processes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subtree, type ProcessInfo } from '../../src/supervisor/process-tree.ts';

const proc = (pid: number, ppid: number): ProcessInfo => ({ pid, ppid, state: 'S', session: 1, startTicks: pid });

describe('subtree', () => {
  it('holds the root and every descendant, not its siblings', () => {
    const processes = [proc(10, 1), proc(11, 10), proc(12, 11), proc(13, 1)];
    assert.deepEqual([...subtree(10, processes)].sort(), [10, 11, 12]);
  });

  it('walks a pid with 200,000 children (a spread of them as arguments overflowed the stack)', () => {
    const processes = [proc(10, 1), ...Array.from({ length: 200_000 }, (_, i) => proc(100 + i, 10))];
    assert.equal(subtree(10, processes).size, 200_001);
  });
});
