import { auth } from './auth';

/** A refusal of the gateway: its status, stable code (CTI_ERR_…), message and details (e.g. the dial policy's `reason`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const signedOutListeners = new Set<() => void>();

/** Called when the gateway answers 401: the session ended (expired, signed out elsewhere, token revoked). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** One API request: JSON in and out, the credential from `auth`, errors as ApiError. */
export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: { ...auth.headers(method), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'CTI_ERR_NETWORK', '无法连接服务器');
  }
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const err = (data ?? {}) as { error?: string; message?: string; details?: Record<string, unknown> };
    if (res.status === 401) for (const l of signedOutListeners) l();
    throw new ApiError(res.status, err.error ?? 'CTI_ERR_HTTP', err.message ?? `HTTP ${res.status}`, err.details ?? {});
  }
  return data as T;
}

/** ws(s)://this-host/api/v1<path> with the socket credential. */
export function socketUrl(path: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/v1${path}${auth.socketQuery()}`;
}
