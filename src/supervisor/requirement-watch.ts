// Follows the status of the services a service requires (`requires`), through inotify on each
// required status directory: a new status.json there is read again, and the requirements are
// checked again. No polling: while nothing changes, nothing runs. A requirement by name is the
// directory beside this one (ROOT/NAME of a host, status/NAME of per-service supervisors); by
// path, that directory.
import fs from 'node:fs';
import path from 'node:path';
import type { Requirement } from '../host/requirements.ts';
import { checkRequirements, type RequirementsState } from '../policy/requirement-check.ts';
import { decodeStatusDocument, type StatusDocument } from '../status/status-codec.ts';
import { readRegularFile } from '../status/read-regular-file.ts';

export class RequirementWatch {
  readonly #dirs: Map<Requirement, string>;
  readonly #watchers = new Map<string, fs.FSWatcher>();
  #last = '';
  #closed = false;

  constructor(
    ownDir: string,
    private readonly requires: readonly Requirement[],
    private readonly onChange: (state: RequirementsState) => void,
  ) {
    const siblings = path.dirname(ownDir);
    this.#dirs = new Map(requires.map((requirement) => [requirement, requirement.kind === 'service' ? path.join(siblings, requirement.name) : requirement.path]));
    this.#watchAll();
    this.check();
  }

  /** Checks every requirement again; tells onChange when what holds changed (and the first time). */
  check(): void {
    if (this.#closed) return;
    const state = checkRequirements(this.requires, (requirement) => liveStatusOf(this.#dirs.get(requirement) as string));
    const key = `${state.held}\0${state.waitingFor.join('\0')}`;
    if (key === this.#last) return;
    this.#last = key;
    this.onChange(state);
  }

  close(): void {
    this.#closed = true;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  /**
   * Each required directory, or while it does not exist its nearest existing parent (so that
   * its making is seen too). Watched again after every event that may have changed which. A
   * directory made between the look and the watch of its parent sends that watch no event (and
   * `supervise -p a/b/c` makes three at once): so the nearest are looked for again until they
   * are the ones watched.
   */
  #watchAll(): void {
    let wanted = this.#nearest();
    for (let round = 0; round < 8; round += 1) {
      this.#watch(wanted);
      const now = this.#nearest();
      if ([...now].every((dir) => wanted.has(dir))) return;
      wanted = now;
    }
  }

  #nearest(): Set<string> {
    return new Set([...this.#dirs.values()].map(nearestExisting));
  }

  #watch(wanted: Set<string>): void {
    for (const [dir, watcher] of this.#watchers) {
      if (wanted.has(dir)) continue;
      watcher.close();
      this.#watchers.delete(dir);
    }
    for (const dir of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, { persistent: false }, () => this.#changed());
        watcher.on('error', () => {
          watcher.close();
          this.#watchers.delete(dir);
          this.#changed();
        });
        this.#watchers.set(dir, watcher);
      } catch {
        // Unreadable or gone meanwhile: checked at the next event of a parent, or never.
      }
    }
  }

  #changed(): void {
    if (this.#closed) return;
    this.#watchAll();
    this.check();
  }
}

function nearestExisting(dir: string): string {
  for (let at = dir; ; at = path.dirname(at)) {
    if (fs.existsSync(at) || path.dirname(at) === at) return at;
  }
}

/** The status.json of `dir`, when a live supervise writes it; null otherwise. */
function liveStatusOf(dir: string): StatusDocument | null {
  let document: StatusDocument;
  try {
    const text = readRegularFile(path.join(dir, 'status.json'));
    if (text === null) return null;
    document = decodeStatusDocument(text.toString('utf8'));
  } catch {
    return null;
  }
  return supervisorAlive(document.supervisor_pid) ? document : null;
}

function supervisorAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
