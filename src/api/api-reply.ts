// What a handler answers: a status, a type and a body, as data; the server writes it.

export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Readonly<Record<string, string>>;
}

export const JSON_TYPE = 'application/json; charset=utf-8';
export const TEXT_TYPE = 'text/plain; charset=utf-8';

export function jsonReply(status: number, value: unknown, headers?: Readonly<Record<string, string>>): Reply {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value, null, 2)}\n`, ...(headers ? { headers } : {}) };
}

/** Every error is `{"error": "..."}`, with the words a person needs to act. */
export function errorReply(status: number, error: string, headers?: Readonly<Record<string, string>>): Reply {
  return jsonReply(status, { error }, headers);
}

export function textReply(status: number, text: string, contentType = TEXT_TYPE): Reply {
  return { status, contentType, body: text.endsWith('\n') ? text : `${text}\n` };
}
