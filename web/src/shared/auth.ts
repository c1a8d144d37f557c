// How the browser proves to the gateway who is signed in. One module, two ways:
//  - staff sessions (POST /api/v1/auth/login → httpOnly cookie `cti_session` + a CSRF token the page sends as
//    `x-csrf-token` on unsafe requests; GET /api/v1/auth/me; POST /api/v1/auth/logout), and
//  - a bearer API token (today's machine credential), which the desk uses until staff sign-in is on the gateway.
// `auth` below picks one; switching is that one line.

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
  /** Query string (with `?`, or empty) a WebSocket URL carries: browsers cannot set headers on a WebSocket. */
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

/**
 * A bearer API token made with `cti-admin token create`: the sign-in form takes a name (the agent id for an agent) and
 * the token. A token that may read the queue is a supervisor's (no agent id); otherwise it must be the named agent's,
 * checked against the agent's own call route (401 unknown token, 403 another agent's).
 */
export function bearerAuth(): Auth {
  const KEY = 'cti.bearer';
  const read = (): { token: string; staff: Staff } | undefined => {
    try {
      return JSON.parse(store.getItem(KEY) ?? 'null') ?? undefined;
    } catch {
      return undefined;
    }
  };
  const probe = (path: string, token: string) => fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  return {
    fields: { username: '工号', password: 'API 令牌' },
    async signIn(username, password) {
      const lead = await probe('/queue', password);
      if (lead === 401) throw new SignInError('令牌无效或已过期');
      let staff: Staff;
      if (lead === 200) staff = { id: username, username, displayName: username, role: 'supervisor', agentId: null };
      else {
        const own = await probe(`/agents/${encodeURIComponent(username)}/call`, password);
        if (own === 403) throw new SignInError('该令牌不属于此工号');
        if (own !== 200 && own !== 404) throw new SignInError(`登录失败（${own}）`);
        staff = { id: username, username, displayName: username, role: 'agent', agentId: username };
      }
      store.setItem(KEY, JSON.stringify({ token: password, staff }));
      return { staff, expiresAt: null };
    },
    async signOut() {
      store.removeItem(KEY);
    },
    async current() {
      const saved = read();
      return saved && { staff: saved.staff, expiresAt: null };
    },
    headers(): Record<string, string> {
      const saved = read();
      return saved ? { authorization: `Bearer ${saved.token}` } : {};
    },
    socketQuery() {
      const saved = read();
      return saved ? `?token=${encodeURIComponent(saved.token)}` : '';
    },
  };
}

/** The strategy in use. Staff sign-in (sessionAuth) replaces the bearer token once the gateway has it. */
export const auth: Auth = bearerAuth();
