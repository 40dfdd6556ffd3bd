// GET / (SPEC §23): the dashboard, one self-contained page that build.mjs makes from
// src/api/dashboard/ (dist/dashboard.html). Served with a Content-Security-Policy that allows
// exactly its own inline script (by hash), its inline style, and requests to this origin only.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { describeOsError } from '../os-error.ts';
import type { Reply } from './api-reply.ts';

export type DashboardPage = { reply: Reply } | { problem: string };

export function loadDashboardPage(file: string): DashboardPage {
  let html: string;
  try {
    html = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: `unable to read the dashboard page ${file}: ${describeOsError(error)} (npm run build makes it)` };
  }
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? '');
  const hashes = scripts.map((script) => `'sha256-${crypto.createHash('sha256').update(script).digest('base64')}'`);
  const policy = [
    "default-src 'none'",
    `script-src ${hashes.join(' ') || "'none'"}`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { reply: { status: 200, contentType: 'text/html; charset=utf-8', body: html, headers: { 'Content-Security-Policy': policy } } };
}
