// The one writer of `status` and `status.json`: each replaced atomically (write .new, rename).
import type { Log } from '../logs/log.ts';
import { encodeStatus, encodeStatusDocument, type StatusBytes, type StatusDocument } from './status-codec.ts';
import type { StatusPaths } from './status-paths.ts';
import { replaceFile } from './safe-files.ts';

export class StatusWriter {
  #failing = false;

  constructor(
    private readonly paths: StatusPaths,
    private readonly log: Log,
  ) {}

  write(bytes: StatusBytes, document: StatusDocument): void {
    // status.json first: whoever sees the new `status` (what meetbill's scripts and svc poll)
    // then finds a status.json at least as new.
    const ok =
      this.#replace(this.paths.statusJsonNew, this.paths.statusJson, encodeStatusDocument(document)) &&
      this.#replace(this.paths.statusNew, this.paths.status, encodeStatus(bytes));
    if (ok && this.#failing) this.log.notice('status files are written again');
    this.#failing = !ok;
  }

  #replace(temporary: string, final: string, data: Buffer | string): boolean {
    try {
      replaceFile(temporary, final, data);
      return true;
    } catch (error) {
      // Logged once per failing spell, not once per write: a full disk must not flood the log.
      if (!this.#failing) this.log.warning(`unable to write ${final}: ${(error as Error).message}`);
      return false;
    }
  }
}
