// The console's one way to the gateway: /v1, same origin, the session cookie sent by the
// browser (never a key in page storage), X-CSRF-Token on every write. A 401 means the
// session ended: the page goes back to sign-in.

/** The /v1 error envelope, as every route answers it. */
export interface ApiError {
  status: number;
  code: string;
  message: string;
  requestId?: string;
}

export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(`${error.code}: ${error.message}`);
  }
}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => undefined;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function whenSignedOut(handle: () => void): void {
  onSignedOut = handle;
}

async function failureOf(res: Response): Promise<ApiFailure> {
  let body: { error?: { code?: string; message?: string; requestId?: string } } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // Not JSON: the status says enough.
  }
  return new ApiFailure({
    status: res.status,
    code: body.error?.code ?? `HTTP-${res.status}`,
    message: body.error?.message ?? res.statusText,
    ...(body.error?.requestId ? { requestId: body.error.requestId } : {}),
  });
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  json?: unknown;
  body?: Blob | ArrayBuffer;
  headers?: Record<string, string>;
  /** Sign-in itself: a 401 is a wrong key, not an ended session. */
  signingIn?: boolean;
  /** Statuses whose body is the answer, not an error (an upload's 422 is its outcome). */
  answerStatuses?: number[];
}

/** Calls /v1`path` and answers its JSON (undefined for 204). */
export async function call<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
  if (method !== 'GET' && csrfToken !== null) headers['X-CSRF-Token'] = csrfToken;
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) body = opts.body;
  const res = await fetch(`/v1${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body } : {}) });
  if (res.status === 401 && !opts.signingIn) {
    onSignedOut();
    throw await failureOf(res);
  }
  if (!res.ok && !(opts.answerStatuses ?? []).includes(res.status)) throw await failureOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A query string of the given values, leaving out empty ones. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A page of a list, as every /v1 list answers it: keyset cursors. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Session {
  role: 'operator' | 'org_admin' | 'finance' | 'reseller';
  principal: string;
  csrfToken: string;
}
