// The order of a host's services (requires): start levels, stop levels, cycles and dependents,
// from the pure graph step alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCycle, orderServices, type ServiceRequirements } from '../../src/host/dependency-graph.ts';
import type { Requirement } from '../../src/host/requirements.ts';

/** `service('web', 'db', 'cache:started', '/srv/status/x')`: web requires db, cache and a path. */
function service(name: string, ...requires: string[]): ServiceRequirements {
  return {
    name,
    requires: requires.map((item): Requirement => {
      const [target = '', condition = 'ready'] = item.split(':');
      const known = condition as Requirement['condition'];
      return target.includes('/')
        ? { kind: 'path', path: target, condition: known }
        : { kind: 'service', name: target, condition: known };
    }),
  };
}

interface Expected {
  startLevels: string[][];
  cycles?: string[][];
  blocked?: string[];
}

describe('orderServices', () => {
  const table: [string, ServiceRequirements[], Expected][] = [
    ['no services: nothing to order', [], { startLevels: [] }],
    [
      'independent services share the first level, sorted by name',
      [service('worker'), service('api'), service('web')],
      { startLevels: [['api', 'web', 'worker']] },
    ],
    [
      'a chain starts from what nothing requires',
      [service('a', 'b'), service('b', 'c'), service('c')],
      { startLevels: [['c'], ['b'], ['a']] },
    ],
    [
      'a diamond: both middles in one level, after the bottom and before the top',
      [service('app', 'web', 'api'), service('web', 'db'), service('api', 'db'), service('db')],
      { startLevels: [['db'], ['api', 'web'], ['app']] },
    ],
    [
      'a service comes after the last of what it requires, not the first',
      [service('top', 'low', 'mid'), service('mid', 'low'), service('low')],
      { startLevels: [['low'], ['mid'], ['top']] },
    ],
    [
      'the condition does not change the order',
      [service('web', 'db:started', 'migrate:done'), service('migrate', 'db:healthy'), service('db')],
      { startLevels: [['db'], ['migrate'], ['web']] },
    ],
    [
      'a path requirement is no edge (another supervise holds it)',
      [service('web', '/srv/status/db', '../status/cache:started')],
      { startLevels: [['web']] },
    ],
    [
      'a requirement on a name that is not in the set is no edge',
      [service('web', 'gone'), service('db')],
      { startLevels: [['db', 'web']] },
    ],
    [
      'a requirement named twice counts once',
      [service('web', 'db', 'db:started'), service('db')],
      { startLevels: [['db'], ['web']] },
    ],
    [
      'a name given twice adds its requirements to the first',
      [service('web', 'db'), service('db'), service('web', 'cache', 'db'), service('cache')],
      { startLevels: [['cache', 'db'], ['web']] },
    ],
    [
      'a service that requires itself is a cycle of one',
      [service('a', 'a'), service('b')],
      { startLevels: [['b']], cycles: [['a']], blocked: ['a'] },
    ],
    [
      'two disjoint cycles are both named, each from its smallest name, and what requires them waits too',
      [
        service('e', 'c'),
        service('d', 'e'),
        service('c', 'd'),
        service('b', 'a'),
        service('a', 'b'),
        service('f'),
        service('g', 'a'),
        service('h', 'g', 'f'),
      ],
      {
        startLevels: [['f']],
        cycles: [
          ['a', 'b'],
          ['c', 'd', 'e'],
        ],
        blocked: ['a', 'b', 'c', 'd', 'e', 'g', 'h'],
      },
    ],
    [
      'a cycle below a service that is otherwise fine blocks only what leads into it',
      [service('web', 'db'), service('db'), service('x', 'y'), service('y', 'x', 'db')],
      { startLevels: [['db'], ['web']], cycles: [['x', 'y']], blocked: ['x', 'y'] },
    ],
    [
      'two cycles through one service are one group, named by one of its cycles',
      [service('a', 'b', 'c'), service('b', 'a'), service('c', 'a')],
      { startLevels: [], cycles: [['a', 'b']], blocked: ['a', 'b', 'c'] },
    ],
  ];
  for (const [why, services, expected] of table) {
    it(why, () => {
      const order = orderServices(services);
      assert.deepEqual(order.startLevels, expected.startLevels);
      assert.deepEqual(order.stopLevels, [...expected.startLevels].reverse());
      assert.deepEqual(order.cycles, expected.cycles ?? []);
      assert.deepEqual(order.blocked, expected.blocked ?? []);
    });
  }

  it('gives the same answer whatever order the services are listed in', () => {
    const services = [service('app', 'web', 'api'), service('web', 'db'), service('api', 'db'), service('db'), service('x', 'x')];
    const expected = orderServices(services);
    for (const shuffled of [[...services].reverse(), [services[2], services[4], services[0], services[3], services[1]]]) {
      const order = orderServices(shuffled as ServiceRequirements[]);
      assert.deepEqual(order.startLevels, expected.startLevels);
      assert.deepEqual(order.cycles, expected.cycles);
      assert.deepEqual(order.blocked, expected.blocked);
    }
  });
});

describe('dependentsOf', () => {
  const order = orderServices([
    service('app', 'web', 'api'),
    service('web', 'db'),
    service('api', 'db'),
    service('db'),
    service('cron'),
    service('report', 'app:started'),
  ]);
  const table: [string, string, string[]][] = [
    ['what nothing requires has no dependents', 'report', []],
    ['a service alone has no dependents', 'cron', []],
    ['dependents come in stop order: the furthest first', 'db', ['report', 'app', 'api', 'web']],
    ['only what requires it, not what it requires', 'web', ['report', 'app']],
    ['a name that is not a service has none', 'nobody', []],
  ];
  for (const [why, name, expected] of table) {
    it(`${why} (${name})`, () => assert.deepEqual(order.dependentsOf(name), expected));
  }

  it('includes the services of a cycle that requires it, and not the service itself', () => {
    const cyclic = orderServices([service('a', 'b', 'db'), service('b', 'a'), service('db')]);
    assert.deepEqual(cyclic.dependentsOf('db'), ['a', 'b']);
    assert.deepEqual(cyclic.dependentsOf('a'), ['b']);
  });
});

describe('formatCycle', () => {
  it('closes the cycle with its first name, for the message', () => {
    assert.equal(formatCycle(['a', 'b', 'c']), 'a → b → c → a');
    assert.equal(formatCycle(['a']), 'a → a');
  });
});

describe('large graphs', () => {
  function chain(length: number): ServiceRequirements[] {
    return Array.from({ length }, (_, index) => (index === 0 ? service('s0') : service(`s${index}`, `s${index - 1}`)));
  }

  it('orders 200 services in a chain, one per level', () => {
    const order = orderServices(chain(200));
    assert.equal(order.startLevels.length, 200);
    assert.deepEqual(order.startLevels[0], ['s0']);
    assert.deepEqual(order.startLevels[199], ['s199']);
    assert.equal(order.dependentsOf('s0').length, 199);
    assert.deepEqual(order.dependentsOf('s0').slice(0, 2), ['s199', 's198']);
  });

  // A linear step does each of these in tens of milliseconds; one that is quadratic in the
  // services (10^8 steps), or that recurses once per link, takes many seconds or overflows the
  // stack. Measured in CPU time, not wall time: on a shared machine with ten suites running, this
  // process may wait longer for a core than it computes (1.7 s of wall time for 0.1 s of work was
  // seen at load 23 on 2 cores).
  it('orders 10,000 services in a chain, a cycle through all of them, and a wide fan in under a second of CPU each', () => {
    const wide = [service('hub'), ...Array.from({ length: 10_000 }, (_, index) => service(`leaf${index}`, 'hub'))];
    const ring = chain(10_000);
    ring[0] = service('s0', 's9999');
    for (const [what, services, check] of [
      ['chain', chain(10_000), (order: ReturnType<typeof orderServices>) => {
        assert.equal(order.startLevels.length, 10_000);
        assert.equal(order.dependentsOf('s0').length, 9_999);
      }],
      ['ring', ring, (order: ReturnType<typeof orderServices>) => {
        assert.equal(order.cycles.length, 1);
        assert.equal(order.cycles[0]?.length, 10_000);
        assert.equal(order.blocked.length, 10_000);
      }],
      ['fan', wide, (order: ReturnType<typeof orderServices>) => {
        assert.equal(order.startLevels.length, 2);
        assert.equal(order.startLevels[1]?.length, 10_000);
        assert.equal(order.dependentsOf('hub').length, 10_000);
      }],
    ] as const) {
      const started = process.cpuUsage();
      check(orderServices(services));
      const { user, system } = process.cpuUsage(started);
      const cpuMs = (user + system) / 1000;
      assert.ok(cpuMs < 1000, `${what}: ${cpuMs.toFixed(0)} ms of CPU`);
    }
  });
});
