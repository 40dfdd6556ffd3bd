// The certificate authorities an alarm's TLS connection trusts: Node's own, and those of the bundle
// NODE_EXTRA_CA_CERTS names. Node does not load that bundle itself (bin/supervise hands it over
// under another name, see cli/extra-ca-certs.ts), so it is read here, when an alarm needs it.
import fs from 'node:fs';
import tls from 'node:tls';

/** The `ca` option for a TLS connection; undefined (Node's own list) when no bundle is named. */
export function trustedCertificates(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return undefined;
  try {
    return [...tls.rootCertificates, fs.readFileSync(file, 'utf8')];
  } catch {
    // As Node does with a bundle it cannot read (it warns on a stderr that is /dev/null here):
    // its own list still holds, so an alarm to a public server still goes out.
    return undefined;
  }
}
