// What svc --host asks of a host, through ROOT/.host/control: one line per command,
// `[@ID] reload` or `[@ID] start|stop|restart [NAME...]` (no name: every service). Starts go in
// dependency order (what is required first), stops the other way; each step waits until the
// services of the step are where they were asked to be. The id lets svc find, in the host's
// status.json, how its command ended.
import type { StatusDocument } from '../status/status-codec.ts';
import { orderServices } from './dependency-graph.ts';
import type { Host } from './host.ts';

export type HostCommand = { verb: 'reload' } | { verb: 'start' | 'stop' | 'restart'; names: string[] };

export interface ParsedCommand {
  id: string | null;
  text: string;
  command: HostCommand;
}

/** Longest line taken: longer ones are not svc's. */
export const MAX_COMMAND_LINE = 4096;

export function parseHostCommand(line: string): ParsedCommand | { error: string } {
  const words = line.trim().split(/\s+/).filter((word) => word !== '');
  const id = words[0]?.startsWith('@') === true ? (words.shift() as string).slice(1) : null;
  const [verb, ...names] = words;
  const text = [verb, ...names].join(' ');
  if (verb === 'reload' && names.length === 0) return { id, text, command: { verb } };
  if (verb === 'start' || verb === 'stop' || verb === 'restart') {
    const bad = names.find((name) => !/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name));
    if (bad === undefined) return { id, text, command: { verb, names } };
    return { error: `not a service name: ${JSON.stringify(bad.slice(0, 64))}` };
  }
  return { error: `unknown host command: ${JSON.stringify(text.slice(0, 64))} (expected reload, start, stop or restart)` };
}

/** Runs a command; resolves with why it failed, or null. */
export async function runHostCommand(host: Host, command: HostCommand): Promise<string | null> {
  if (command.verb === 'reload') return host.reload().error;
  const known = new Set(host.entries.map((entry) => entry.name));
  const unknown = command.names.filter((name) => !known.has(name));
  if (unknown.length > 0) return `no such service in this host: ${unknown.join(' ')}`;
  const names = command.names.length > 0 ? command.names : [...known];
  const levels = orderedLevels(host, names, command.verb === 'stop' ? 'stop' : 'start');
  for (const level of levels) await Promise.all(level.map((name) => step(host, name, command.verb)));
  return null;
}

/** The names in dependency order, level by level; what no order reaches (a cycle) goes last. */
function orderedLevels(host: Host, names: readonly string[], direction: 'start' | 'stop'): string[][] {
  const order = orderServices(host.entries.map((entry) => ({ name: entry.name, requires: entry.service.config.requires })));
  const wanted = new Set(names);
  const levels = (direction === 'start' ? order.startLevels : order.stopLevels).map((level) => level.filter((name) => wanted.has(name))).filter((level) => level.length > 0);
  const placed = new Set(levels.flat());
  const rest = names.filter((name) => !placed.has(name));
  return rest.length === 0 ? levels : direction === 'stop' ? [rest, ...levels] : [...levels, rest];
}

const isDown = (document: StatusDocument | null): boolean => document === null || (document.pid === null && document.state !== 'starting' && document.state !== 'stopping');
// Waiting for what it requires is as far as a start goes until that holds (maybe never: a
// directory outside the host that is down); the next step goes on, or the command never ends.
const isStarted = (document: StatusDocument | null): boolean => document !== null && ['up', 'waiting', 'failed', 'exited', 'fatal'].includes(document.state);

async function step(host: Host, name: string, verb: 'start' | 'stop' | 'restart'): Promise<void> {
  const entry = host.entries.find((candidate) => candidate.name === name);
  if (entry === undefined) return;
  if (verb === 'stop') {
    entry.supervision?.dispatch({ type: 'control', command: 'down' });
    return host.until(name, isDown);
  }
  if (entry.supervision === null) host.superviseAgain([name]);
  else entry.supervision.dispatch(verb === 'start' ? { type: 'control', command: 'up' } : { type: 'restart' });
  const before = entry.document?.pid ?? null;
  return host.until(name, (document) => isStarted(document) && (verb === 'start' || document?.pid !== before || document.state !== 'up'));
}
