import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteRegistry } from '../http/route.registry.js';

/** The browser pages the gateway serves: the agent desk and the supervisor console (built by `npm run build`). */
export const WEB_PAGES = ['desk', 'console'] as const;

/** Where the built pages are and what the pages' Content-Security-Policy lets them connect to. */
export interface WebPagesOptions {
  /** Directory holding `<page>/index.html` and `<page>/assets/…` (web/dist). */
  dir: string;
  /** Origins besides the gateway's own the pages open connections to (Asterisk's SIP WebSocket, wss://host:port). */
  connectOrigins: readonly string[];
}

interface StaticFile {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  /** Content-hashed file names (Vite's assets/) never change: cached for a year; everything else is revalidated. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.wav': 'audio/wav',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/** Every file below `root`, by its path relative to it with `/` separators. */
function walk(root: string, dir = root, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(root, full, out);
    else out.set(relative(root, full).split(sep).join('/'), full);
  }
  return out;
}

/**
 * The files of one built page, read once at start: a request can only ever get one of these (no path is joined from
 * the URL, so no `..` reaches the disk). Compressible files are gzipped once, on first request.
 */
function loadPage(dir: string): Map<string, StaticFile> | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, StaticFile>();
  for (const [path, full] of walk(dir)) {
    const ext = extname(path).toLowerCase();
    files.set(path, { body: readFileSync(full), gzip: undefined, type: TYPES[ext] ?? 'application/octet-stream', immutable: path.startsWith('assets/') });
  }
  return files;
}

function acceptsGzip(req: FastifyRequest): boolean {
  const header = req.headers['accept-encoding'];
  return typeof header === 'string' && /\bgzip\b/.test(header);
}

/**
 * `GET /desk/…` and `GET /console/…`: the built single-page apps, public (they hold no data; every call they make
 * is authenticated by the API). Hashed assets are cached immutably, index.html is revalidated on every load so a
 * new build reaches desks at their next reload, and any other path below a page (a client route) gets its
 * index.html. Until the pages are built the routes answer 503 naming the build command.
 */
export function webPagesFeature(options: WebPagesOptions) {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    // Element Plus positions popups with inline style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "media-src 'self' blob: mediastream:",
    `connect-src 'self' ${options.connectOrigins.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');

  return (routes: RouteRegistry, app: FastifyInstance): void => {
    for (const page of WEB_PAGES) {
      const files = loadPage(join(options.dir, page));
      const send = (req: FastifyRequest, reply: FastifyReply, file: StaticFile, ext: string) => {
        reply.header('content-type', file.type).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
        reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        if (file.type.startsWith('text/html')) reply.header('content-security-policy', csp).header('x-frame-options', 'DENY');
        if (COMPRESSIBLE.has(ext) && file.body.length > 1024) {
          reply.header('vary', 'accept-encoding');
          if (acceptsGzip(req)) {
            file.gzip ??= gzipSync(file.body, { level: 9 });
            return reply.header('content-encoding', 'gzip').send(file.gzip);
          }
        }
        return reply.send(file.body);
      };
      routes.declareRaw({ method: 'GET', url: `/${page}`, summary: `Redirects to /${page}/`, access: { kind: 'public' } });
      routes.declareRaw({
        method: 'GET',
        url: `/${page}/*`,
        summary: `The ${page === 'desk' ? "agent desk's" : "supervisor console's"} built page and assets (static, no data; client routes get index.html)`,
        access: { kind: 'public' },
      });
      app.get(`/${page}`, async (_req, reply) => reply.redirect(`/${page}/`, 302));
      app.get<{ Params: { '*': string } }>(`/${page}/*`, async (req, reply) => {
        if (!files) {
          return reply
            .status(503)
            .header('content-type', 'text/plain; charset=utf-8')
            .header('cache-control', 'no-store')
            .send(`页面尚未构建：请在仓库根目录运行 npm run build（web/dist/${page} 不存在）\n`);
        }
        const path = req.params['*'] ?? '';
        const file = files.get(path);
        if (file) return send(req, reply, file, extname(path).toLowerCase());
        // A missing hashed asset is a 404 (an old page asking for a file a new build replaced), never index.html.
        if (path.startsWith('assets/') || extname(path) !== '') {
          return reply.status(404).header('cache-control', 'no-store').send({ error: 'CTI_ERR_NOT_FOUND', message: `no file /${page}/${path}`, details: {} });
        }
        return send(req, reply, files.get('index.html') as StaticFile, '.html');
      });
    }
  };
}
