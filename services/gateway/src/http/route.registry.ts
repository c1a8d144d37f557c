import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CtiError } from '@cti/domain';
import type { Principal, Role } from '@cti/db';
import { findNul } from './input.rules.js';

/** A route: its contract (validated with zod, published in OpenAPI) and its handler. */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  /** Roles allowed; `null` = no authentication (health only). */
  roles: readonly Role[] | null;
  params?: P;
  query?: Q;
  body?: B;
  handler: (input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B>; principal: Principal; req: FastifyRequest; reply: FastifyReply }) => Promise<unknown>;
}

/**
 * How a route outside the registry's bearer-token check is protected: `public` (anyone), `wallboard-ticket` (a signed
 * wallboard ticket in the URL; bearer tokens do not count), `metrics-token` (CTI_METRICS_TOKEN, open when empty),
 * `websocket` (a bearer token of one of `roles`, checked when the socket opens; refusals close it with 4401/4403).
 */
export type RawAccess = { kind: 'public' } | { kind: 'wallboard-ticket' } | { kind: 'metrics-token' } | { kind: 'websocket'; roles: readonly Role[]; note?: string };

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
      ...(roles !== null && { onRequest: async (req: FastifyRequest) => void principals.set(req, await this.authenticate(req, roles)) }),
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

  private async authenticate(req: FastifyRequest, roles: readonly Role[]): Promise<Principal> {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw new CtiError('CTI_ERR_UNAUTHORIZED', 'missing or malformed Authorization: Bearer token');
    const principal = await this.tokens.findPrincipal(match[1]);
    if (!principal) throw new CtiError('CTI_ERR_UNAUTHORIZED', 'unknown or revoked token');
    if (!roles.includes(principal.role)) {
      throw new CtiError('CTI_ERR_FORBIDDEN', `role ${principal.role} may not ${'call ' + req.method + ' ' + req.routeOptions.url}`, { role: principal.role, allowed: roles });
    }
    return principal;
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
        ...(s.roles && { security: [{ bearer: [] }], 'x-roles': s.roles }),
        ...(parameters.length && { parameters }),
        ...(s.body && { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(strictObject(s.body), { io: 'input', unrepresentable: 'any' }) } } } }),
        responses: { '200': { description: 'OK' }, '400': { description: 'invalid input' }, '401': { description: 'no valid token' }, '403': { description: 'role not allowed' } },
      };
    }
    for (const r of this.raw) {
      const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      paths[path] ??= {};
      (paths[path] as Record<string, unknown>)[r.method.toLowerCase()] = {
        summary: r.summary,
        'x-access': r.access,
        ...(r.access.kind === 'websocket' && { security: [{ bearer: [] }], 'x-roles': r.access.roles }),
        responses: { '200': { description: 'OK' }, '401': { description: 'no valid credential' } },
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'Ganzi 12345 CTI gateway', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      paths,
    };
  }
}
