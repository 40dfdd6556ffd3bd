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
export { describeOsError as causeOf } from '../os-error.ts';
