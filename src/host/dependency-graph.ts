// The order of a host's services (SPEC §21), pure: which start together, which first, which stop
// first, and the cycles that make an order impossible. Every step is iterative and linear in
// services + requirements, so a long chain neither overflows the stack nor grows quadratically.
import type { Requirement } from './requirements.ts';

/** One service and what it requires; only requirements on services of this host are edges. */
export interface ServiceRequirements {
  name: string;
  requires: readonly Requirement[];
}

export interface DependencyOrder {
  /**
   * Each cycle once, as the names along it: `['a', 'b']` is a requires b requires a. A group of
   * services that reach each other is named by its shortest cycle through its smallest name.
   * Sorted by first name.
   */
  cycles: string[][];
  /** Services that cannot be ordered: on a cycle, or requiring one (directly or not). Sorted. */
  blocked: string[];
  /**
   * Topological layers: each service one layer after the last of what it requires, so a layer
   * can start in parallel once the one before holds. Sorted within a layer; blocked ones absent.
   */
  startLevels: string[][];
  /** startLevels reversed: dependents stop before what they require. */
  stopLevels: string[][];
  /**
   * Every service that requires NAME, directly or through others, in stop order (the furthest
   * first, blocked ones before the rest); never NAME itself. Empty for an unknown name.
   */
  dependentsOf(name: string): string[];
}

/** `a → b → c → a`: the cycle closed with its first name, for the message that refuses it. */
export function formatCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0]].join(' → ');
}

/**
 * A requirement on a name that is not in `services` (a path, or a service left out) is no edge:
 * it cannot be ordered here, and whoever waits on it does so outside the order. Names should be
 * unique; a repeated one adds its requirements to the first.
 */
export function orderServices(services: readonly ServiceRequirements[]): DependencyOrder {
  const graph = buildGraph(services);
  const { levelOf, startLevels } = layer(graph);
  const blockedIds = graph.names.map((_, id) => id).filter((id) => levelOf[id] === -1);
  const cycles = findCycles(graph, blockedIds);
  const stopRank = stopRanks(graph, levelOf);
  return {
    cycles,
    blocked: sortNames(blockedIds.map((id) => graph.names[id] as string)),
    startLevels,
    stopLevels: [...startLevels].reverse(),
    dependentsOf: (name) => dependentsOf(graph, stopRank, name),
  };
}

interface Graph {
  /** Names by id, in the order first given. */
  names: string[];
  ids: Map<string, number>;
  /** What each service requires, by id, without repeats. */
  requires: number[][];
  /** The services that require each one, by id, without repeats. */
  requiredBy: number[][];
}

function buildGraph(services: readonly ServiceRequirements[]): Graph {
  const ids = new Map<string, number>();
  const names: string[] = [];
  /** The entry of `services` that gave each id its name. */
  const firstEntry: number[] = [];
  services.forEach(({ name }, entry) => {
    if (ids.has(name)) return;
    ids.set(name, names.length);
    names.push(name);
    firstEntry.push(entry);
  });
  const requires: number[][] = names.map(() => []);
  // addedBy[to] is the last entry that added `to`: a repeat within one entry is skipped without a
  // set per service. A repeated name's entry checks its list instead (rare, so the scan is fine).
  const addedBy = new Int32Array(names.length).fill(-1);
  services.forEach((service, entry) => {
    const from = ids.get(service.name) as number;
    const targets = requires[from] as number[];
    const isRepeat = firstEntry[from] !== entry;
    for (const requirement of service.requires) {
      if (requirement.kind !== 'service') continue;
      const to = ids.get(requirement.name);
      if (to === undefined || addedBy[to] === entry || (isRepeat && targets.includes(to))) continue;
      addedBy[to] = entry;
      targets.push(to);
    }
  });
  const requiredBy: number[][] = names.map(() => []);
  requires.forEach((targets, from) => targets.forEach((to) => requiredBy[to]?.push(from)));
  return { names, ids, requires, requiredBy };
}

/** Kahn's algorithm one layer at a time; a service still waiting at the end is blocked (-1). */
function layer(graph: Graph): { levelOf: number[]; startLevels: string[][] } {
  const waitingFor = graph.requires.map((targets) => targets.length);
  const levelOf = graph.names.map(() => -1);
  const startLevels: string[][] = [];
  let current = graph.names.map((_, id) => id).filter((id) => waitingFor[id] === 0);
  while (current.length > 0) {
    const level = startLevels.length;
    const next: number[] = [];
    for (const id of current) {
      levelOf[id] = level;
      for (const dependent of graph.requiredBy[id] ?? []) {
        const left = (waitingFor[dependent] as number) - 1;
        waitingFor[dependent] = left;
        if (left === 0) next.push(dependent);
      }
    }
    startLevels.push(sortNames(current.map((id) => graph.names[id] as string)));
    current = next;
  }
  return { levelOf, startLevels };
}

/**
 * The cycles among the blocked services: Tarjan's strongly connected components (iterative), and
 * for each group that is a cycle, the shortest cycle through its smallest name (breadth-first,
 * smaller names first), so the message is short and the same on every run.
 */
function findCycles(graph: Graph, blockedIds: readonly number[]): string[][] {
  const cycles: string[][] = [];
  for (const component of stronglyConnected(graph, blockedIds)) {
    const [only] = component;
    const isCycle = component.length > 1 || (only !== undefined && (graph.requires[only] ?? []).includes(only));
    if (!isCycle) continue;
    const start = component.reduce((best, id) => ((graph.names[id] as string) < (graph.names[best] as string) ? id : best));
    cycles.push(shortestCycle(graph, start, new Set(component)).map((id) => graph.names[id] as string));
  }
  return cycles.sort((a, b) => compareNames(a[0] as string, b[0] as string));
}

function stronglyConnected(graph: Graph, within: readonly number[]): number[][] {
  const count = graph.names.length;
  const inside = new Uint8Array(count);
  for (const id of within) inside[id] = 1;
  // -1: not visited yet.
  const index = new Int32Array(count).fill(-1);
  const lowLink = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  const visit = (id: number): void => {
    index[id] = lowLink[id] = counter++;
    stack.push(id);
    onStack[id] = 1;
  };
  for (const root of within) {
    if (index[root] !== -1) continue;
    // Each frame: a service and how many of its requirements have been looked at.
    const frames: { id: number; next: number }[] = [{ id: root, next: 0 }];
    visit(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as { id: number; next: number };
      const targets = graph.requires[frame.id] as number[];
      if (frame.next < targets.length) {
        const to = targets[frame.next++] as number;
        if (inside[to] === 0) continue;
        if (index[to] === -1) {
          visit(to);
          frames.push({ id: to, next: 0 });
        } else if (onStack[to] === 1) {
          lowLink[frame.id] = Math.min(lowLink[frame.id] as number, index[to] as number);
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) lowLink[parent.id] = Math.min(lowLink[parent.id] as number, lowLink[frame.id] as number);
      if (lowLink[frame.id] !== index[frame.id]) continue;
      const component: number[] = [];
      let member: number;
      do {
        member = stack.pop() as number;
        onStack[member] = 0;
        component.push(member);
      } while (member !== frame.id);
      components.push(component);
    }
  }
  return components;
}

/** The shortest path from `start` back to itself inside `group` (a cycle exists: it is a component). */
function shortestCycle(graph: Graph, start: number, group: ReadonlySet<number>): number[] {
  const cameFrom = new Map<number, number>();
  let frontier = [start];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const id of frontier) {
      const targets = (graph.requires[id] ?? []).filter((to) => group.has(to));
      for (const to of targets.sort((a, b) => compareNames(graph.names[a] as string, graph.names[b] as string))) {
        if (to === start) return pathTo(cameFrom, start, id);
        if (cameFrom.has(to)) continue;
        cameFrom.set(to, id);
        next.push(to);
      }
    }
    frontier = next;
  }
  return [start];
}

function pathTo(cameFrom: ReadonlyMap<number, number>, start: number, last: number): number[] {
  const path = [last];
  for (let id = last; id !== start; ) {
    id = cameFrom.get(id) as number;
    path.push(id);
  }
  return path.reverse();
}

/** Position of each service in stop order: blocked ones first, then by level descending, by name. */
function stopRanks(graph: Graph, levelOf: readonly number[]): number[] {
  const order = graph.names
    .map((_, id) => id)
    .sort((a, b) => {
      const levelA = levelOf[a] === -1 ? Infinity : (levelOf[a] as number);
      const levelB = levelOf[b] === -1 ? Infinity : (levelOf[b] as number);
      return levelA !== levelB ? levelB - levelA : compareNames(graph.names[a] as string, graph.names[b] as string);
    });
  const rank: number[] = [];
  order.forEach((id, position) => (rank[id] = position));
  return rank;
}

function dependentsOf(graph: Graph, stopRank: readonly number[], name: string): string[] {
  const start = graph.ids.get(name);
  if (start === undefined) return [];
  const seen = new Set([start]);
  const found: number[] = [];
  const queue = [start];
  for (let at = 0; at < queue.length; at++) {
    for (const dependent of graph.requiredBy[queue[at] as number] ?? []) {
      if (seen.has(dependent)) continue;
      seen.add(dependent);
      found.push(dependent);
      queue.push(dependent);
    }
  }
  return found.sort((a, b) => (stopRank[a] as number) - (stopRank[b] as number)).map((id) => graph.names[id] as string);
}

function sortNames(names: string[]): string[] {
  return names.sort(compareNames);
}

/** By code unit, not locale: the same order on every machine. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
