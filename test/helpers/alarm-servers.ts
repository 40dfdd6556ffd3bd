// Real servers on loopback for the alarm channel tests: an SMTP sink, an HTTP sink (either over TLS
// with a certificate of its own), a silent TCP port.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { withDeadline } from './wait-for.ts';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

export interface SmtpSink {
  url: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/** A key and a self-signed certificate for 127.0.0.1: an authority that nothing trusts unless told to. */
export interface LoopbackCertificate {
  key: string;
  cert: string;
  /** The certificate's PEM file, for NODE_EXTRA_CA_CERTS. */
  certFile: string;
}

/** Made by openssl(1) in `dir`. */
export function makeLoopbackCertificate(dir: string): LoopbackCertificate {
  const keyFile = path.join(dir, 'loopback.key');
  const certFile = path.join(dir, 'loopback.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8'), certFile };
}

/** With `tls`, the server speaks SMTP over TLS from the first byte (smtps://). */
export async function startSmtpSink(tls?: LoopbackCertificate): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    ...(tls === undefined ? {} : { secure: true, key: tls.key, cert: tls.cert }),
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        const from = envelope.mailFrom === false ? '' : envelope.mailFrom.address;
        mails.push({ from, to: envelope.rcptTo.map((r) => r.address), ...parseMail(Buffer.concat(chunks).toString()) });
        callback();
      });
    },
  });
  // A client that refuses the certificate is an 'error' of the server's; the tests read the client's side.
  server.on('error', () => {});
  await withDeadline('the test server to listen', new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 10_000);
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    url: `${tls === undefined ? 'smtp' : 'smtps'}://127.0.0.1:${port}`,
    mails,
    close: () => withDeadline('the SMTP server to close', new Promise<void>((resolve) => server.close(() => resolve())), 10_000),
  };
}

/** Just enough MIME for what nodemailer sends for a text mail: folded headers, QP or base64 text. */
export function parseMail(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n([ \t])/g, '$1');
  const body = raw.slice(split + 4);
  const header = (name: string): string =>
    new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  const subject = header('Subject').replace(/=\?utf-8\?([QB])\?(.*?)\?=\s*/gi, (_, kind: string, data: string) =>
    kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString() : decodeQ(data.replace(/_/g, ' ')),
  );
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') text = decodeQ(body.replace(/=\r\n/g, ''));
  if (encoding === 'base64') text = Buffer.from(body, 'base64').toString();
  return { subject, text: text.replace(/\r\n/g, '\n') };
}

function decodeQ(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i] ?? ''));
    }
  }
  return Buffer.from(bytes).toString();
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpSink {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Answers every request with `status`, or never answers at all with `'never'`; over TLS with `tls`. */
export async function startHttpSink(status: number | 'never', tls?: LoopbackCertificate): Promise<HttpSink> {
  const requests: ReceivedRequest[] = [];
  const handle: http.RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { method = '', url = '', headers } = request;
      requests.push({ method, url, headers, body: Buffer.concat(chunks).toString() });
      if (status !== 'never') response.writeHead(status).end('{}');
    });
  };
  const server = tls === undefined ? http.createServer(handle) : https.createServer({ key: tls.key, cert: tls.cert }, handle);
  await withDeadline('the test server to listen', new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 10_000);
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}/hook`,
    requests,
    close: () =>
      withDeadline('the HTTP sink to close', new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }), 10_000),
  };
}

/** A TCP port that accepts connections and never says a word: an SMTP server that hangs. */
export async function startSilentServer(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await withDeadline('the test server to listen', new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 10_000);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections: () => accepted,
    close: () =>
      withDeadline('the silent server to close', new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }), 10_000),
  };
}

/** A loopback port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await withDeadline('the test server to listen', new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 10_000);
  const port = (server.address() as net.AddressInfo).port;
  await withDeadline('the port to be released', new Promise<void>((resolve) => server.close(() => resolve())), 10_000);
  return port;
}
