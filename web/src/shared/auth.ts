// How the browser proves to the gateway who is signed in: a staff session (POST /api/v1/auth/login → httpOnly cookie
// `cti_session` + a CSRF token the page sends as `x-csrf-token` on unsafe requests; GET /api/v1/auth/me after a
// reload; POST /api/v1/auth/logout). Every request and socket of the pages goes through `auth`, so another strategy
// (e.g. a short-lived bearer token) is one implementation of `Auth` and the one line that picks it.

/** A signed-in member of staff, as POST /api/v1/auth/login and GET /api/v1/auth/me return them. */
export interface Staff {
  id: string;
  username: string;
  displayName: string;
  role: string;
  /** The agent this person works as at a seat (null for staff who take no calls). */
  agentId: string | null;
}

/** Who is signed in and until when. */
export interface Session {
  staff: Staff;
  expiresAt: string | null;
}

/** The credential strategy the API client and the sockets use. */
export interface Auth {
  /** Labels of the sign-in form's two fields (what this strategy asks for). */
  readonly fields: { username: string; password: string };
  signIn(username: string, password: string): Promise<Session>;
  signOut(): Promise<void>;
  /** The current session (after a reload too), or undefined when there is none or it expired. */
  current(): Promise<Session | undefined>;
  /** Headers an API request with `method` carries. */
  headers(method: string): Record<string, string>;
  /** Query string (with `?`, or empty) a WebSocket URL carries: browsers cannot set headers on a WebSocket (the session cookie needs none). */
  socketQuery(): string;
}

/** Thrown when the gateway refuses a sign-in; `message` is for the person. */
export class SignInError extends Error {}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** What the person is told for each refusal code of POST /api/v1/auth/login. */
const SIGN_IN_REFUSALS: Record<string, string> = {
  CTI_ERR_AUTH_FAILED: '用户名或密码错误',
  CTI_ERR_AUTH_LOCKED: '尝试次数过多，账号已暂时锁定，请稍后再试',
  CTI_ERR_AUTH_DISABLED: '账号已停用，请联系管理员',
  CTI_ERR_RATE_LIMITED: '此网络地址登录失败次数过多，请稍后再试',
};
const store = window.sessionStorage;

/** Staff sessions: the cookie travels by itself (same origin); unsafe requests add the CSRF token. */
export function sessionAuth(): Auth {
  const KEY = 'cti.csrf';
  return {
    fields: { username: '用户名', password: '密码' },
    async signIn(username, password) {
      const res = await fetch('/api/v1/auth/login', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      const body = (await res.json().catch(() => ({}))) as { staff?: Staff; csrfToken?: string; expiresAt?: string; error?: string; message?: string };
      if (!res.ok || !body.staff || !body.csrfToken) throw new SignInError(SIGN_IN_REFUSALS[body.error ?? ''] ?? body.message ?? `登录失败（${res.status}）`);
      store.setItem(KEY, body.csrfToken);
      return { staff: body.staff, expiresAt: body.expiresAt ?? null };
    },
    async signOut() {
      await fetch('/api/v1/auth/logout', { method: 'POST', credentials: 'same-origin', headers: this.headers('POST') }).catch(() => undefined);
      store.removeItem(KEY);
    },
    async current() {
      const res = await fetch('/api/v1/auth/me', { credentials: 'same-origin' }).catch(() => undefined);
      if (!res?.ok) return undefined;
      const body = (await res.json()) as { staff: Staff; csrfToken?: string; expiresAt?: string };
      if (body.csrfToken) store.setItem(KEY, body.csrfToken);
      return { staff: body.staff, expiresAt: body.expiresAt ?? null };
    },
    headers(method): Record<string, string> {
      const csrf = store.getItem(KEY);
      return SAFE.has(method.toUpperCase()) || !csrf ? {} : { 'x-csrf-token': csrf };
    },
    socketQuery: () => '',
  };
}

/** The strategy in use: staff sign-in with a session cookie (API tokens are for machines). */
export const auth: Auth = sessionAuth();
