// A HostView over status directories run by real per-service supervise processes: what the host
// will hold in memory, read here from each ROOT/NAME/status.json as it is replaced (inotify), with
// the timeline built from the changes seen, and actions done with the built `svc` as a user would.
// The dashboard's browser test runs against it until supervise --host replaces it.
import fs from 'node:fs';
import path from 'node:path';
import type { HostAction, HostEvent, HostView, TimelineEntry } from '../../src/api/host-view.ts';
import { decodeStatusDocument, type StatusDocument } from '../../src/status/status-codec.ts';
import { run, SVC } from './harness.ts';

export class DirectoryHost implements HostView {
  readonly #documents = new Map<string, { text: string; document: StatusDocument }>();
  readonly #timelines = new Map<string, TimelineEntry[]>();
  readonly #listeners = new Set<(event: HostEvent) => void>();
  readonly #watchers: { close(): void }[] = [];

  readonly names: readonly string[];

  /** `dirs`: each service's status directory by name (ROOT/NAME under a host). */
  constructor(private readonly dirs: Readonly<Record<string, string>>) {
    this.names = Object.keys(dirs).sort();
    for (const name of this.names) {
      this.#look(name);
      this.#watchers.push(this.#watch(name));
    }
  }

  close(): void {
    for (const watcher of this.#watchers) watcher.close();
  }

  services(): readonly StatusDocument[] {
    return [...this.#documents.keys()].sort().map((name) => this.#documents.get(name)?.document as StatusDocument);
  }

  service(name: string): StatusDocument | null {
    return this.#documents.get(name)?.document ?? null;
  }

  timeline(name: string): readonly TimelineEntry[] {
    return this.#timelines.get(name) ?? [];
  }

  alive(): boolean {
    return true;
  }

  ready(name?: string): { ready: boolean; detail: string } {
    const waiting = this.services().filter((document) => (name === undefined || document.name === name) && document.ready !== true);
    return waiting.length === 0 ? { ready: true, detail: 'ready' } : { ready: false, detail: `not ready: ${waiting.map((d) => d.name).join(', ')}` };
  }

  subscribe(listener: (event: HostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  act(service: string | null, action: HostAction): Promise<{ ok: boolean; message: string }> {
    const names = service === null ? [...this.names] : [service];
    const words = action === 'alarm-on' ? ['alarm', 'on'] : action === 'alarm-off' ? ['alarm', 'off'] : [action];
    return Promise.all(
      names.map((name) =>
        run(SVC, [this.directory(name), ...words]).then(({ code, stdout, stderr }) => ({ ok: code === 0, message: `${name}: ${(stdout + stderr).trim() || 'done'}` })),
      ),
    ).then((outcomes) => ({ ok: outcomes.every((outcome) => outcome.ok), message: outcomes.map((outcome) => outcome.message).join('; ') }));
  }

  directory(name: string): string {
    return this.dirs[name] ?? path.join('/nonexistent', name);
  }

  /**
   * status.json is replaced by rename: the directory's watch sees it arrive. inotify instances
   * are counted per user machine-wide (128 by default), and a machine running many suites as root
   * can run out: then the directory is looked at every 50 ms instead.
   */
  #watch(name: string): { close(): void } {
    try {
      return fs.watch(this.directory(name), (_event, file) => {
        if (file === 'status.json') this.#look(name);
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EMFILE') throw error;
      const timer = setInterval(() => this.#look(name), 50);
      return { close: () => clearInterval(timer) };
    }
  }

  #look(name: string): void {
    let text: string;
    let document: StatusDocument;
    try {
      text = fs.readFileSync(path.join(this.directory(name), 'status.json'), 'utf8');
      document = decodeStatusDocument(text);
    } catch {
      return;
    }
    const before = this.#documents.get(name);
    if (before?.text === text) return;
    this.#documents.set(name, { text, document });
    const timeline = this.#timelines.get(name) ?? [];
    const previous = before?.document;
    const exit = document.last_exit;
    if (exit && exit.at !== previous?.last_exit?.at && previous !== undefined) {
      timeline.push({ at: exit.at, kind: 'exit', pid: previous.pid ?? 0, code: exit.code, signal: exit.signal, ...(exit.reason ? { reason: exit.reason } : {}) });
    }
    if (document.pid !== null && document.pid !== previous?.pid) timeline.push({ at: document.started_at ?? document.since, kind: 'start', pid: document.pid });
    this.#timelines.set(name, timeline);
    if (before !== undefined) for (const listener of this.#listeners) listener({ type: 'status', service: name, status: document });
  }
}
