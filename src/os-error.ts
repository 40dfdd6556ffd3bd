// `ENOENT (no such file or directory)`: an OS error as messages show it, the code to search for
// and the system's words to read. One formatter for supervise, svc and the config reader.
import util from 'node:util';

export function describeOsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error instanceof Error ? error.message : String(error);
  for (const [name, description] of util.getSystemErrorMap().values()) {
    if (name === code) return `${code} (${description})`;
  }
  // Not an errno name (a Node error code): the message says the rest.
  return `${code} (${(error as Error).message})`;
}
