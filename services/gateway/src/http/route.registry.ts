import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CtiError, type Role } from '@cti/domain';
import type { Principal } from '@cti/db';
import { findNul } from './input.rules.js';
import { CSRF_HEADER, clearedSessionCookie, cookieSecure, csrfMatches, readSessionCookie } from './session.cookie.js';

/** A route: its contract (validated with zod, published in OpenAPI) and its handler. */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  /** Roles allowed; `null` = no authentication (health, sign-in). */
  roles: readonly Role[] | null;
  /**
   * Which credentials count: `any` (default: a bearer token or a staff session cookie) or `session` (a signed-in
   * person only, e.g. sign-out: a bearer token gets 403).
   */
  credentials?: 'any' | 'session';
  params?: P;
  query?: Q;
  body?: B;
  handler: (input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B>; principal: Principal; req: FastifyRequest; reply: FastifyReply }) => Promise<unknown>;
}

/**
 * How a route outside the registry's own check is protected: `public` (anyone), `wallboard-ticket` (a signed
 * wallboard ticket in the URL, or a staff session cookie of one of `sessionRoles`; bearer tokens do not count),
 * `metrics-token` (CTI_METRICS_TOKEN, open when empty), `websocket` (a bearer token or a staff session of one of
 * `roles`, checked when the socket opens; refusals close it with 4401/4403).
 */
export type RawAccess =
  | { kind: 'public' }
  | { kind: 'wallboard-ticket'; sessionRoles?: readonly Role[] }
  | { kind: 'metrics-token' }
  | { kind: 'websocket'; roles: readonly Role[]; note?: string };

/** A route a feature registers on Fastify itself (pages, streams, sockets, /metrics), with its access decision. */
export interface RawRouteDeclaration {
  method: 'GET' | 'POST';
  url: string;
  summary: string;
  access: RawAccess;
}

/** Authenticates a bearer token (TokenRepository fits). */
export interface TokenVerifier {
  findPrincipal(token: string): Promise<Principal | undefined>;
}

/** Authenticates a staff session token from the `cti_session` cookie (StaffAuthService fits); throws CTI_ERR_AUTH_SESSION_*. */
export interface SessionAuthenticator {
  authenticate(token: string): Promise<{ principal: Principal }>;
}

/** Staff sessions as the registry accepts them: who checks them, and whether cookies it clears are `Secure`. */
export interface SessionAuth {
  authenticator: SessionAuthenticator;
  /** Production mode: cookies are always `Secure`. */
  production: boolean;
}

/** Methods that change something: with a session cookie they need the session's CSRF token. */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const anonymous: Principal = { tokenId: '', role: 'admin', agentId: null, label: 'anonymous' };

function invalid(where: string, field: string, reason: string): CtiError {
  return new CtiError('CTI_ERR_VALIDATION', `invalid ${where}: ${field ? field + ': ' : ''}${reason}`, { where, issues: [{ field, reason }] });
}

/** A value with no keys: what a client may send to a route that takes no body. */
const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> {
  // PostgreSQL refuses U+0000 in text and jsonb: refused here, in every value and key of every route, with its path.
  const nul = findNul(value, where === 'body' ? 'body' : where === 'query' ? 'query' : 'params');
  if (nul !== null) throw invalid(where, nul.split('.').slice(1).join('.'), 'must not contain the NUL character (U+0000)');
  if (!schema) {
    if (where === 'body' && !isEmpty(value)) throw invalid(where, '', 'this route takes no body');
    return undefined as z.infer<T>;
  }
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const first = r.error.issues[0];
    const field = first ? first.path.join('.') : where;
    throw new CtiError('CTI_ERR_VALIDATION', `invalid ${where}: ${field ? field + ': ' : ''}${first?.message ?? 'invalid'}`, {
      where,
      issues: r.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })),
    });
  }
  return r.data;
}

/**
 * A body object refuses keys it does not declare (a misspelt field is a 400, not silently dropped); a schema that
 * already says what to do with unknown keys (strict, passthrough, catchall) is left as it is.
 */
function strictObject<B extends z.ZodType>(body: B): B {
  return body instanceof z.ZodObject && body._zod.def.catchall === undefined ? (body.strict() as unknown as B) : body;
}

/** Registers routes on Fastify with one authentication and validation path, and builds their OpenAPI document. */
export class RouteRegistry {
  private readonly specs: RouteSpec<z.ZodType, z.ZodType, z.ZodType>[] = [];
  private readonly raw: RawRouteDeclaration[] = [];
  /** Every route Fastify got, however it was added: each must have an access decision (verifyDeclared). */
  private readonly mounted: Array<{ method: string; url: string }> = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly tokens: TokenVerifier,
    private readonly sessions?: SessionAuth,
  ) {
    app.addHook('onRoute', (r) => {
      for (const method of Array.isArray(r.method) ? r.method : [r.method]) this.mounted.push({ method: String(method), url: r.url });
    });
  }

  /** Declares the access decision of a route a feature registers on Fastify directly (it also goes into OpenAPI). */
  declareRaw(route: RawRouteDeclaration): void {
    this.raw.push(route);
  }

  /**
   * Throws unless every mounted route was added here or declared with declareRaw: a route nobody decided the access
   * of stops the gateway from starting (and so fails every test), instead of going live open.
   */
  verifyDeclared(): void {
    const known = new Set([...this.specs.map((s) => `${s.method} ${s.url}`), ...this.raw.map((r) => `${r.method} ${r.url}`)]);
    const undeclared = this.mounted.filter((m) => !known.has(`${m.method} ${m.url}`) && !(m.method === 'HEAD' && known.has(`GET ${m.url}`)));
    if (undeclared.length) throw new Error(`routes without an access decision (add them with RouteRegistry.add or declareRaw): ${undeclared.map((m) => `${m.method} ${m.url}`).join(', ')}`);
  }

  add<P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(spec: RouteSpec<P, Q, B>): void {
    this.specs.push(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>);

    const bodySchema = spec.body && strictObject(spec.body);
    const principals = new WeakMap<FastifyRequest, Principal>();
    const roles = spec.roles;
    this.app.route({
      method: spec.method,
      url: spec.url,
      // Authenticated before the body is read: a stranger's request never gets its body buffered or parsed.
      ...(roles !== null && { onRequest: async (req: FastifyRequest, reply: FastifyReply) => void principals.set(req, await this.authenticate(req, reply, roles, spec.credentials ?? 'any')) }),
      handler: async (req, reply) => {
        const principal = roles === null ? anonymous : principals.get(req);
        if (!principal) throw new CtiError('CTI_ERR_UNAUTHORIZED', 'request was not authenticated');
        const params = parse(spec.params, req.params, 'path parameters');
        const query = parse(spec.query, req.query, 'query');
        const body = parse(bodySchema, req.body, 'body');
        const result = await spec.handler({ params, query, body, principal, req, reply });
        return result;
      },
    });
  }

  private async authenticate(req: FastifyRequest, reply: FastifyReply, roles: readonly Role[], credentials: 'any' | 'session'): Promise<Principal> {
    const principal = req.headers.authorization !== undefined ? await this.bearerPrincipal(req) : await this.sessionPrincipal(req, reply);
    if (credentials === 'session' && !principal.staff) {
      throw new CtiError('CTI_ERR_FORBIDDEN', `${req.method} ${req.routeOptions.url} is for a signed-in person (staff session), not a bearer token`, { role: principal.role, allowed: roles, credentials: 'session' });
    }
    if (!roles.includes(principal.role)) {
      throw new CtiError('CTI_ERR_FORBIDDEN', `role ${principal.role} may not ${'call ' + req.method + ' ' + req.routeOptions.url}`, { role: principal.role, allowed: roles });
    }
    return principal;
  }

  /** A bearer token always wins over a cookie: machines keep working exactly as before sessions existed. */
  private async bearerPrincipal(req: FastifyRequest): Promise<Principal> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) throw new CtiError('CTI_ERR_UNAUTHORIZED', 'malformed Authorization header: expected Bearer <token>');
    const principal = await this.tokens.findPrincipal(match[1]);
    if (!principal) throw new CtiError('CTI_ERR_UNAUTHORIZED', 'unknown or revoked token');
    return principal;
  }

  /**
   * The `cti_session` cookie: an unsafe method needs the session's CSRF token in `x-csrf-token` (checked first, no
   * database read for a forged request); an expired or ended session gets 401 and its cookie cleared.
   */
  private async sessionPrincipal(req: FastifyRequest, reply: FastifyReply): Promise<Principal> {
    const token = this.sessions ? readSessionCookie(req.headers.cookie) : undefined;
    if (!token || !this.sessions) throw new CtiError('CTI_ERR_UNAUTHORIZED', 'no credential: send Authorization: Bearer <token>, or sign in (cookie cti_session)');
    if (UNSAFE_METHODS.has(req.method)) {
      const given = req.headers[CSRF_HEADER];
      if (!csrfMatches(token, typeof given === 'string' ? given : undefined)) {
        req.log.warn({ method: req.method, url: req.routeOptions.url, origin: req.headers.origin ?? null }, 'session request without its CSRF token refused');
        throw new CtiError('CTI_ERR_AUTH_CSRF', `${req.method} with a session cookie needs the session's ${CSRF_HEADER} header`, { header: CSRF_HEADER });
      }
    }
    try {
      return (await this.sessions.authenticator.authenticate(token)).principal;
    } catch (err) {
      if (err instanceof CtiError && err.code.startsWith('CTI_ERR_AUTH_SESSION_')) reply.header('set-cookie', clearedSessionCookie(cookieSecure(req, this.sessions.production)));
      throw err;
    }
  }

  /** The OpenAPI 3.1 document of every registered route. */
  openApi(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const s of this.specs) {
      const path = s.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, schema] of [['path', s.params], ['query', s.query]] as const) {
        if (!schema) continue;
        const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, prop] of Object.entries(js.properties ?? {})) {
          parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: prop });
        }
      }
      paths[path] ??= {};
      (paths[path] as Record<string, unknown>)[s.method.toLowerCase()] = {
        summary: s.summary,
        ...(s.roles && { security: s.credentials === 'session' ? [{ session: [] }] : [{ bearer: [] }, { session: [] }], 'x-roles': s.roles }),
        ...(s.credentials === 'session' && { 'x-credentials': 'session' }),
        ...(parameters.length && { parameters }),
        ...(s.body && { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(strictObject(s.body), { io: 'input', unrepresentable: 'any' }) } } } }),
        responses: { '200': { description: 'OK' }, '400': { description: 'invalid input' }, '401': { description: 'no valid token or session' }, '403': { description: 'role not allowed, or a session request without its CSRF token' } },
      };
    }
    for (const r of this.raw) {
      const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      paths[path] ??= {};
      (paths[path] as Record<string, unknown>)[r.method.toLowerCase()] = {
        summary: r.summary,
        'x-access': r.access,
        ...(r.access.kind === 'websocket' && { security: [{ bearer: [] }, { session: [] }], 'x-roles': r.access.roles }),
        responses: { '200': { description: 'OK' }, '401': { description: 'no valid credential' } },
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'Ganzi 12345 CTI gateway', version: '1' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          // Unsafe methods also need the session's CSRF token in x-csrf-token (from POST /api/v1/auth/login or GET /api/v1/auth/me).
          session: { type: 'apiKey', in: 'cookie', name: 'cti_session' },
        },
      },
      paths,
    };
  }
}
