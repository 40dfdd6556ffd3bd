// The API's routes as a table (SPEC §23): method, path pattern, whether it writes, and a handler
// that is a pure function of the host's view (plus, for a write, the action it asks for).
import { TEXT_FORMAT_CONTENT_TYPE } from '../svc/prometheus-text.ts';
import { errorReply, jsonReply, textReply, type Reply } from './api-reply.ts';
import { hostMetricsText } from './host-metrics.ts';
import { HOST_ACTIONS, type HostAction, type HostView } from './host-view.ts';

export interface RouteRequest {
  /** The path's parameters, percent-decoded: `name` for a service, `action` for a write. */
  params: Readonly<Record<string, string>>;
}

export type Handler = (view: HostView, request: RouteRequest) => Reply | Promise<Reply>;

export interface Route {
  method: 'GET' | 'POST';
  /** Named groups become params. */
  pattern: RegExp;
  /** Writes need a valid bearer token; the server checks it before the handler runs. */
  write: boolean;
  /** `events`: the server keeps the response open as a Server-Sent Events stream. */
  handle: Handler | 'events' | 'dashboard';
}

const NAME = '(?<name>[^/]+)';
const ACTION = `(?<action>${HOST_ACTIONS.join('|')})`;

export const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: /^\/$/, write: false, handle: 'dashboard' },
  { method: 'GET', pattern: /^\/livez$/, write: false, handle: livez },
  { method: 'GET', pattern: /^\/readyz$/, write: false, handle: readyz },
  { method: 'GET', pattern: new RegExp(`^/readyz/${NAME}$`), write: false, handle: readyz },
  { method: 'GET', pattern: /^\/metrics$/, write: false, handle: metrics },
  { method: 'GET', pattern: /^\/v1\/services$/, write: false, handle: services },
  { method: 'GET', pattern: new RegExp(`^/v1/services/${NAME}$`), write: false, handle: service },
  { method: 'GET', pattern: new RegExp(`^/v1/services/${NAME}/timeline$`), write: false, handle: timeline },
  { method: 'GET', pattern: /^\/v1\/events$/, write: false, handle: 'events' },
  { method: 'POST', pattern: new RegExp(`^/v1/services/${NAME}/${ACTION}$`), write: true, handle: act },
  { method: 'POST', pattern: new RegExp(`^/v1/host/${ACTION}$`), write: true, handle: act },
];

function livez(view: HostView): Reply {
  return view.alive() ? textReply(200, 'ok') : textReply(503, 'shutting down');
}

function readyz(view: HostView, { params }: RouteRequest): Reply {
  const name = params.name;
  if (name !== undefined && view.service(name) === null) return unknownService(name);
  const { ready, detail } = view.ready(name);
  return textReply(ready ? 200 : 503, detail);
}

function metrics(view: HostView): Reply {
  return { status: 200, contentType: TEXT_FORMAT_CONTENT_TYPE, body: hostMetricsText(view) };
}

function services(view: HostView): Reply {
  return jsonReply(200, { services: view.services() });
}

function service(view: HostView, { params }: RouteRequest): Reply {
  const name = params.name ?? '';
  const document = view.service(name);
  return document === null ? unknownService(name) : jsonReply(200, document);
}

function timeline(view: HostView, { params }: RouteRequest): Reply {
  const name = params.name ?? '';
  if (view.service(name) === null) return unknownService(name);
  return jsonReply(200, { service: name, entries: view.timeline(name) });
}

async function act(view: HostView, { params }: RouteRequest): Promise<Reply> {
  const action = params.action as HostAction;
  const name = params.name ?? null;
  if (name !== null && view.service(name) === null) return unknownService(name);
  const outcome = await view.act(name, action);
  // 409: the host understood and could not do it now (e.g. a reload while one runs); the message says why.
  return jsonReply(outcome.ok ? 200 : 409, { ok: outcome.ok, message: outcome.message });
}

function unknownService(name: string): Reply {
  return errorReply(404, `no service named ${JSON.stringify(name)} on this host`);
}

/** The route for a method and path; `methods` lists the methods the path has, for 405. */
export function findRoute(method: string, pathname: string): { route: Route; params: Record<string, string> } | { methods: string[] } {
  const methods: string[] = [];
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const routeMethods = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
    if (!routeMethods.includes(method)) {
      methods.push(...routeMethods);
      continue;
    }
    return { route, params: { ...match.groups } };
  }
  return { methods };
}
