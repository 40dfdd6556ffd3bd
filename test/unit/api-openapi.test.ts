// docs/openapi.json says what the server does: every path of the document is a route of the
// table, every route is in the document, and its Status schema names every status.json field.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findRoute, ROUTES } from '../../src/api/api-routes.ts';
import { HOST_ACTIONS } from '../../src/api/host-view.ts';
import { statusDocument } from '../helpers/memory-host.ts';

const DOCUMENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/openapi.json');

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: { Status: { properties: Record<string, unknown> }; Action: { enum: string[] } } };
}

const openapi = JSON.parse(fs.readFileSync(DOCUMENT, 'utf8')) as OpenApi;

/** Every concrete path a template stands for, with a service name and each action. */
function concrete(template: string): string[] {
  const named = template.replace('{name}', 'web');
  return named.includes('{action}') ? HOST_ACTIONS.map((action) => named.replace('{action}', action)) : [named];
}

test('docs/openapi.json is OpenAPI 3.0 and every path and method in it is a route of the server', () => {
  assert.match(openapi.openapi, /^3\.0\./);
  for (const [template, methods] of Object.entries(openapi.paths)) {
    for (const method of Object.keys(methods)) {
      for (const target of concrete(template)) {
        assert.ok('route' in findRoute(method.toUpperCase(), target), `${method.toUpperCase()} ${target} (from ${template}) is not a route`);
      }
    }
  }
});

test('every route of the server is in docs/openapi.json', () => {
  const documented = Object.entries(openapi.paths).flatMap(([template, methods]) => Object.keys(methods).flatMap((method) => concrete(template).map((target) => [method.toUpperCase(), target] as const)));
  for (const route of ROUTES) {
    assert.ok(
      documented.some(([method, target]) => method === route.method && route.pattern.test(target)),
      `${route.method} ${route.pattern} is not in docs/openapi.json`,
    );
  }
});

test('the Status schema names every field of status.json, and Action every action', () => {
  assert.deepEqual(Object.keys(openapi.components.schemas.Status.properties).sort(), Object.keys(statusDocument('web', { config: { generation: 1, loaded_at: '', error: null }, next_start_at: null, restart_delay_s: null, last_reload: null })).sort());
  assert.deepEqual(openapi.components.schemas.Action.enum, [...HOST_ACTIONS]);
});
