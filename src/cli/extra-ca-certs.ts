// bin/supervise starts Node with NODE_EXTRA_CA_CERTS moved to another name, so that Node
// does not read that bundle at every start; this puts it back, before anything copies the
// environment, so that services, hooks, checks and alarm programs see it as it was given. The
// alarm channels read it where they open TLS (alarm/tls-trust.ts).
const HANDED_OVER = 'SUPERVISE_EXTRA_CA_CERTS';

export function restoreExtraCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[HANDED_OVER];
  if (file === undefined) return;
  delete env[HANDED_OVER];
  env.NODE_EXTRA_CA_CERTS = file;
}
