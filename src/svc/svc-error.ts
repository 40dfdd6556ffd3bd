// A failure that ends an svc command: the exit status and the sentence for stderr.
export class SvcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'SvcError';
  }
}

/** `ENOENT (no such file or directory)` from a Node system error, for messages. */
export function causeOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code === 'string') {
    const detail = e.message.replace(/^[A-Z]+: /, '').replace(/, .*$/, '');
    return `${e.code} (${detail})`;
  }
  return String((e as Error)?.message ?? e);
}
