// The host's HTTP API (api_listen, api_token_file in [global]): started when the file asks for
// it, its tokens read again at every reload, moved when a reload changes api_listen, closed when
// the host stops. A listener that cannot be had is a WARNING: the services run on without it.
import { isListenProblem, parseApiListen } from '../api/api-options.ts';
import { startApi, type ApiServer } from '../api/api-server.ts';
import type { FileLog } from '../logs/file-log.ts';
import type { HostSettings } from './host-file.ts';
import { hostView, type FollowedHostView } from './host-view.ts';
import type { Host } from './host.ts';
import { hostReadiness } from './host-readiness.ts';

export interface HostApiOptions {
  root: string;
  dashboardFile: string;
  log: FileLog;
  alive: () => boolean;
  /** Told when the API's address changed (the host's status shows it). */
  onAddress: (address: string | null) => void;
}

export class HostApi {
  #server: Promise<ApiServer | null> = Promise.resolve(null);
  #view: FollowedHostView | null = null;
  #settings: { listen: string | null; tokenFile: string | null } = { listen: null, tokenFile: null };

  constructor(
    private readonly host: Host,
    private readonly options: HostApiOptions,
  ) {
    host.subscribe((change) => {
      if (change.type === 'reloaded') this.apply(host.file.host);
    });
  }

  /** The settings of the file read last: a new listener if they moved, the tokens read again. */
  apply(settings: HostSettings): void {
    const next = { listen: settings.apiListen, tokenFile: settings.apiTokenFile };
    if (next.listen === this.#settings.listen && next.tokenFile === this.#settings.tokenFile) {
      void this.#server.then((server) => server?.reloadTokens());
      return;
    }
    this.#settings = next;
    this.#server = this.#server.then(async (old) => {
      if (old !== null) {
        await old.close();
        this.options.onAddress(null);
      }
      return this.#start(next.listen, next.tokenFile);
    });
  }

  async close(): Promise<void> {
    const server = await this.#server;
    this.#server = Promise.resolve(null);
    await server?.close();
    this.#view?.close();
    this.#view = null;
  }

  async #start(listenText: string | null, tokenFile: string | null): Promise<ApiServer | null> {
    if (listenText === null) return null;
    const listen = parseApiListen(listenText);
    if (isListenProblem(listen)) {
      this.options.log.warning(`api_listen ${listenText}: expected ${listen.expected}: the API is off`);
      return null;
    }
    this.#view ??= hostView(this.host, { root: this.options.root, alive: this.options.alive, ready: (name) => hostReadiness(this.host, name) });
    try {
      const server = await startApi(this.#view, { listen, tokenFile, dashboardFile: this.options.dashboardFile }, this.options.log);
      this.options.onAddress(server.address);
      return server;
    } catch (error) {
      this.options.log.warning(`unable to serve the API on ${listenText}: ${(error as Error).message}`);
      return null;
    }
  }
}
