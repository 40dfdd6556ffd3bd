// How one start of the service is run (SPEC §17): from the config, supervise's environment and
// the variables supervise adds, the argv to spawn, the environment, the working directory, the
// umask and where stderr goes; or why the start cannot happen, naming the key. Pure: what it
// needs from the system comes in as a RunWorld, so every rule is tested without root.
//
// What Node's spawn cannot do is done by small programs that exec the service in the same
// process, so the pid in `status` is the service's own: prlimit (limits), nice, setpriv (user,
// group, supplementary groups: spawn({uid, gid}) would keep root's groups). Each costs about
// 0.6–1.8 ms per start on a 2-core machine (direct spawn 1.6 ms; prlimit + nice + setpriv 4.7 ms):
// starts are at least a second apart, and changing a running pid after spawn instead would race
// with the service's own start (children forked before the change keep the old nice and limits).
// The umask and the directory cost nothing: the spawn sets them (see service-process.ts).
// With none of these keys set, the argv is the command itself.
import path from 'node:path';
import type { ServiceConfig } from '../config/config-types.ts';
import { parseEnvFile } from '../config/env-file.ts';
import {
  formatLimitNumber,
  parseEnvFilePaths,
  parseEnvironment,
  parseLimit,
  parseNice,
  parseUmask,
  parseUserSpec,
  type LimitValue,
} from '../config/run-values.ts';
import { LIMIT_FIELDS } from '../config/config-keys.ts';

export type LimitResource = keyof typeof LIMIT_FIELDS;

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** What a start needs to know about the system; the real one is in run-world.ts. */
export interface RunWorld {
  /** supervise's effective uid. */
  uid(): number;
  /** supervise's own nice value (the service inherits it). */
  nice(): number;
  /** supervise's hard limit for a resource (Infinity: unlimited); the service inherits it. */
  hardLimit(resource: LimitResource): number;
  /** The kernel's ceiling for open files (/proc/sys/fs/nr_open): no hard limit can exceed it. */
  nrOpen(): number;
  /** A user by name or numeric uid; null when there is none. */
  account(name: string): Account | null;
  /** A group id by name or number; null when there is none. */
  groupId(name: string): number | null;
  /** The text of an env file; throws the OS error (`code: 'ENOENT'` when missing). */
  readEnvFile(path: string): string;
  /** Why a directory cannot be the working directory, or null when it can. */
  directoryProblem(path: string): string | null;
  /** The absolute path of a helper program, or null when it is not installed. */
  helper(name: Helper): string | null;
  /** Why the command's program cannot be run (resolved like execvp with this PATH and cwd), or null. */
  programProblem(program: string, pathVariable: string | undefined, cwd: string | undefined): string | null;
  /** Describes an error thrown by readEnvFile. */
  describeError(error: unknown): string;
}

export type Helper = 'prlimit' | 'nice' | 'setpriv';

export interface RunPlan {
  /** What is spawned: the command itself, or helpers that end by exec-ing it. */
  argv: string[];
  env: Record<string, string>;
  /** Working directory; undefined = supervise's. */
  cwd: string | undefined;
  /** Umask of the service; null = supervise's. */
  umask: number | null;
  /** stderr is the stdout descriptor (__stdout). */
  redirectStderr: boolean;
}

export type PlanOutcome = { ok: true; plan: RunPlan } | { ok: false; reason: string };

class StartRefused extends Error {}

/** `unable to start PROGRAM: KEY VALUE: why`; the caller logs it as a FATAL line. */
function refuse(key: string, value: string, why: string): never {
  throw new StartRefused(`${key} ${value}: ${why}`);
}

export function planRun(
  config: ServiceConfig,
  command: readonly string[],
  baseEnv: NodeJS.ProcessEnv,
  extraEnv: Readonly<Record<string, string>>,
  world: RunWorld,
): PlanOutcome {
  try {
    return { ok: true, plan: plan(config, command, baseEnv, extraEnv, world) };
  } catch (error) {
    if (error instanceof StartRefused) return { ok: false, reason: `unable to start ${command[0]}: ${error.message}` };
    // The system said something unexpected (an unreadable /proc file): a failed start, never a crash.
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `unable to start ${command[0]}: unable to set up the run environment: ${why}` };
  }
}

function plan(
  config: ServiceConfig,
  command: readonly string[],
  baseEnv: NodeJS.ProcessEnv,
  extraEnv: Readonly<Record<string, string>>,
  world: RunWorld,
): RunPlan {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(baseEnv)) if (value !== undefined) env[name] = value;
  const cwd = workingDirectory(config.directory, world);
  // As a shell that cd'd there says: supervise's own PWD names another directory. Absolute, as
  // the spawn resolves a relative one (against supervise's directory).
  if (cwd !== undefined) env.PWD = path.resolve(cwd);
  const wrappers = wrappersFor(config, world);
  Object.assign(env, wrappers.env);
  Object.assign(env, configuredVariables(config, world), extraEnv);
  if (wrappers.argv.length > 0) {
    // Without a helper, spawn reports a missing program itself; through one, the helper would
    // only exit 127, so the same FATAL line is made here first.
    const problem = world.programProblem(command[0] as string, env.PATH, cwd);
    if (problem !== null) throw new StartRefused(problem);
  }
  return {
    argv: [...wrappers.argv, ...command],
    env,
    cwd,
    umask: config.umask === '' ? null : parseUmask(config.umask),
    redirectStderr: config.redirectStderr === 'yes',
  };
}

/** The `directory` to start in, once the world says it can be; undefined = supervise's. */
function workingDirectory(directory: string, world: RunWorld): string | undefined {
  if (directory === '') return undefined;
  const problem = world.directoryProblem(directory);
  if (problem !== null) refuse('directory', directory, problem);
  return directory;
}

/**
 * The helpers that exec the service, and the variables a switch of user sets. Limits first and
 * the user last: raising a hard limit or lowering nice needs root.
 */
function wrappersFor(config: ServiceConfig, world: RunWorld): { argv: string[]; env: Record<string, string> } {
  const argv = [...limitsWrapper(config, world)];
  if (config.nice !== '') argv.push(...niceWrapper(config.nice, world));
  if (config.user === '') return { argv, env: {} };
  const user = switchUser(config.user, world);
  return { argv: [...argv, ...user.argv], env: user.env };
}

/** prlimit with every `limit_*` key set, or nothing; a refusal names the first such key if prlimit is missing. */
function limitsWrapper(config: ServiceConfig, world: RunWorld): string[] {
  const limits: string[] = [];
  let firstLimit: [string, string] | null = null;
  for (const resource of Object.keys(LIMIT_FIELDS) as LimitResource[]) {
    const text = config[LIMIT_FIELDS[resource]];
    if (text === '') continue;
    const [soft, hard] = checkedLimit(resource, text, world);
    limits.push(`--${resource}=${formatLimitNumber(soft)}:${formatLimitNumber(hard)}`);
    firstLimit ??= [`limit_${resource}`, text];
  }
  return firstLimit === null ? [] : [helper(world, 'prlimit', ...firstLimit), ...limits, '--'];
}

/** The variables of env_file (each file in turn), then those of `environment`, which win. */
function configuredVariables(config: ServiceConfig, world: RunWorld): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const file of config.envFile === '' ? [] : (parseEnvFilePaths(config.envFile) ?? [])) {
    for (const [name, value] of readEnvFile(file.path, file.optional, world)) variables[name] = value;
  }
  const environment = parseEnvironment(config.environment);
  if (environment.ok) for (const [name, value] of environment.variables) variables[name] = value;
  return variables;
}

function helper(world: RunWorld, name: Helper, key: string, value: string): string {
  return world.helper(name) ?? refuse(key, value, `the ${name} program (util-linux or coreutils) is not installed`);
}

/** The soft and hard limits to set, or a refusal naming the key (setrlimit would fail with EINVAL or EPERM). */
function checkedLimit(resource: LimitResource, text: string, world: RunWorld): [number, number] {
  const key = `limit_${resource}`;
  const limit = parseLimit(text) as LimitValue;
  const inherited = world.hardLimit(resource);
  const hard = limit.hard ?? inherited;
  if (limit.soft > hard) {
    refuse(key, text, `the soft limit ${formatLimitNumber(limit.soft)} is above the hard limit ${formatLimitNumber(hard)}${limit.hard === null ? ' (inherited; give SOFT:HARD to raise it)' : ''}`);
  }
  if (hard > inherited && world.uid() !== 0) {
    refuse(key, text, `only root can raise the hard limit above ${formatLimitNumber(inherited)}`);
  }
  if (resource === 'nofile' && hard > world.nrOpen()) {
    refuse(key, text, `the hard limit is above the kernel's maximum of ${world.nrOpen()} open files (fs.nr_open)`);
  }
  return [limit.soft, hard];
}

/** nice(1) adds to the current value, so the service gets exactly `nice`, whatever supervise runs at. */
function niceWrapper(text: string, world: RunWorld): string[] {
  const target = parseNice(text) as number;
  const current = world.nice();
  if (target === current) return [];
  if (target < current && world.uid() !== 0) refuse('nice', text, `only root can go below supervise's own nice value ${current}`);
  return [helper(world, 'nice', 'nice', text), '-n', String(target - current), '--'];
}

function switchUser(text: string, world: RunWorld): { argv: string[]; env: Record<string, string> } {
  const spec = parseUserSpec(text);
  if (spec === null) return refuse('user', text, 'expected NAME or NAME:GROUP');
  if (world.uid() !== 0) refuse('user', text, `supervise runs as uid ${world.uid()}, not root: it cannot switch users`);
  const account = world.account(spec.user) ?? refuse('user', text, `no such user "${spec.user}"`);
  let gid = account.gid;
  if (spec.group !== null) gid = world.groupId(spec.group) ?? refuse('user', text, `no such group "${spec.group}"`);
  const setpriv = helper(world, 'setpriv', 'user', text);
  return {
    // --init-groups: the user's supplementary groups (initgroups(3)), not root's.
    argv: [setpriv, `--reuid=${account.uid}`, `--regid=${gid}`, '--init-groups', '--'],
    env: { HOME: account.home, USER: account.name, LOGNAME: account.name },
  };
}

function readEnvFile(path: string, optional: boolean, world: RunWorld): [string, string][] {
  let text: string;
  try {
    text = world.readEnvFile(path);
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return refuse('env_file', path, `unable to read it: ${world.describeError(error)}`);
  }
  const parsed = parseEnvFile(text);
  if (!parsed.ok) refuse('env_file', `${path}:${parsed.line}`, parsed.reason);
  return parsed.variables;
}
