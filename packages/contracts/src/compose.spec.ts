// Checks docker-compose.yml and deploy/ against the repository in milliseconds: what every setting must look like and
// what docker-compose 1.29 (Debian's) refuses or misreads. That the containers build, start and take calls is proven
// by deploy/smoke.sh (test/deploy-smoke.e2e.ts runs it).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from './config.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

type Yaml = string | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

interface Line {
  no: number;
  indent: number;
  text: string;
}

/**
 * Parses the YAML subset a compose file needs: block mappings and sequences, flow sequences of
 * scalars, plain/single/double-quoted scalars (all kept as strings), and `&anchor` on a block
 * value with `*alias` as a whole value. Anything else (block scalars, flow mappings, merge keys,
 * tags, several documents, tabs) throws, so the test never silently misreads the file.
 */
function parseYamlSubset(source: string): Yaml {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    const no = i + 1;
    if (/^\s*\t/.test(raw)) throw new Error(`line ${no}: tab indentation`);
    const text = stripComment(raw, no).trimEnd();
    if (text.trim() === '') return;
    if (/^(---|\.\.\.)(\s|$)/.test(text)) throw new Error(`line ${no}: document markers are not supported`);
    lines.push({ no, indent: text.length - text.trimStart().length, text: text.trim() });
  });
  const anchors = new Map<string, Yaml>();
  let pos = 0;

  function fail(line: Line | undefined, msg: string): never {
    throw new Error(`line ${line?.no ?? 'EOF'}: ${msg}`);
  }

  function parseBlock(indent: number): Yaml {
    const first = lines[pos];
    if (!first || first.indent !== indent) fail(first, `expected a block at indent ${indent}`);
    return first.text === '-' || first.text.startsWith('- ') ? parseSequence(indent) : parseMapping(indent);
  }

  function parseMapping(indent: number): YamlMap {
    const map: YamlMap = {};
    while (pos < lines.length && lines[pos]!.indent === indent) {
      const line = lines[pos]!;
      if (line.text.startsWith('- ')) fail(line, 'sequence item inside a mapping');
      const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#&*!|>{[][^:]*?):(?:\s+(.*))?$/.exec(line.text);
      if (!m) fail(line, `not a "key: value" line: ${line.text}`);
      const key = scalar(m[1]!, line);
      if (key === '<<') fail(line, 'merge keys are not supported');
      if (key in map) fail(line, `duplicate key ${key}`);
      pos++;
      map[key] = parseValue(m[2] ?? '', line, indent);
    }
    if (pos < lines.length && lines[pos]!.indent > indent) fail(lines[pos], 'unexpected indentation');
    return map;
  }

  function parseSequence(indent: number): Yaml[] {
    const items: Yaml[] = [];
    while (pos < lines.length && lines[pos]!.indent === indent && (lines[pos]!.text === '-' || lines[pos]!.text.startsWith('- '))) {
      const line = lines[pos]!;
      const rest = line.text.slice(1).trim();
      if (/^[^"'[]*:(\s|$)/.test(rest)) fail(line, 'mappings inside sequence items are not supported');
      pos++;
      items.push(parseValue(rest, line, indent));
    }
    if (pos < lines.length && lines[pos]!.indent > indent) fail(lines[pos], 'unexpected indentation');
    return items;
  }

  /** The value after "key:" or "- ": inline, an alias, or a (possibly anchored) nested block. */
  function parseValue(inline: string, line: Line, indent: number): Yaml {
    const anchor = /^&([A-Za-z0-9_-]+)$/.exec(inline);
    if (inline === '' || anchor) {
      const next = lines[pos];
      const nested = next && next.indent > indent ? parseBlock(next.indent) : anchor ? fail(line, 'anchor without a block') : '';
      if (anchor) anchors.set(anchor[1]!, nested);
      return nested;
    }
    const alias = /^\*([A-Za-z0-9_-]+)$/.exec(inline);
    if (alias) {
      const target = anchors.get(alias[1]!);
      if (target === undefined) fail(line, `unknown alias *${alias[1]}`);
      return target;
    }
    if (inline.startsWith('[')) return flowSequence(inline, line);
    return scalar(inline, line);
  }

  return parseBlock(0);
}

function stripComment(raw: string, no: number): string {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[,-]/.test(raw[i - 1]!)) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]!))) {
      return raw.slice(0, i);
    }
  }
  if (quote) throw new Error(`line ${no}: unterminated quoted string`);
  return raw;
}

function scalar(text: string, line: Line): string {
  const t = text.trim();
  if (t.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(t)) throw new Error(`line ${line.no}: malformed double-quoted string`);
    return t.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => {
      const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t' };
      const out = escapes[c];
      if (out === undefined) throw new Error(`line ${line.no}: unsupported escape \\${c}`);
      return out;
    });
  }
  if (t.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(t)) throw new Error(`line ${line.no}: malformed single-quoted string`);
    return t.slice(1, -1).replaceAll("''", "'");
  }
  if (/^[&*!|>{[%@`]/.test(t) || /:\s/.test(t) || t.endsWith(':')) {
    throw new Error(`line ${line.no}: unsupported YAML syntax: ${t}`);
  }
  return t;
}

function flowSequence(text: string, line: Line): string[] {
  if (!text.endsWith(']')) throw new Error(`line ${line.no}: flow sequences must end on their line`);
  const items: string[] = [];
  let current = '';
  let quote: string | null = null;
  const body = text.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote) {
      current += c;
      if (quote === '"' && c === '\\') current += body[++i] ?? '';
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === '[' || c === '{') {
      throw new Error(`line ${line.no}: nested flow collections are not supported`);
    } else if (c === ',') {
      items.push(scalar(current, line));
      current = '';
    } else {
      current += c;
    }
  }
  if (current.trim() !== '') items.push(scalar(current, line));
  return items;
}

function isMap(v: Yaml | undefined): v is YamlMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asMap(v: Yaml | undefined, what: string): YamlMap {
  if (!isMap(v)) throw new Error(`${what} is not a mapping`);
  return v;
}

function strings(v: Yaml): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  return Object.entries(v).flatMap(([k, val]) => [k, ...strings(val)]);
}

/** Variable names compose would interpolate (`$$` is a literal dollar sign). */
function interpolatedVariables(text: string): string[] {
  const unescaped = text.replaceAll('$$', '');
  return [...unescaped.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/** Variables only Compose reads (never passed to a service): the tag of the images to build and run. */
const COMPOSE_VARIABLES = new Set(['CTI_IMAGE_TAG', 'CTI_ASTERISK_NOFILE']);
/** Settings that are secrets (or carry one): the compose file must refuse to start without them, never default them. */
const SECRETS = ['CTI_DATABASE_URL', 'CTI_REDIS_URL', 'CTI_ARI_PASSWORD', 'CTI_AMI_PASSWORD', 'CTI_METRICS_TOKEN', 'CTI_EXCHANGE_OUTBOUND_SECRET', 'CTI_EXCHANGE_INBOUND_SECRET'];
const composeText = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
const schemaKeys = new Set(Object.keys(configSchema.shape));

const compose = asMap(parseYamlSubset(composeText), 'docker-compose.yml');
const services = asMap(compose.services, 'services');
const service = (name: string) => asMap(services[name], `service ${name}`);
const NODE_SERVICES = ['asterisk-conf', 'gateway', 'worker'];

describe('YAML subset parser used by this spec', () => {
  it('reads mappings, sequences, quoted scalars, flow sequences and anchored blocks', () => {
    const doc = parseYamlSubset(
      'a: &x\n  k: "v # not a comment"\nb: *x\nc:\n  - one\n  - \'it\'\'s\'\nd: ["CMD", "x, y"] # comment\n',
    );
    expect(doc).toEqual({ a: { k: 'v # not a comment' }, b: { k: 'v # not a comment' }, c: ['one', "it's"], d: ['CMD', 'x, y'] });
  });

  it.each([
    ['a block scalar', 'a: |\n  text\n'],
    ['a flow mapping', 'a: {b: c}\n'],
    ['a merge key', 'a: &x\n  k: v\nb:\n  <<: *x\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['an unknown alias', 'a: *nope\n'],
    ['tab indentation', 'a:\n\tb: c\n'],
  ])('refuses %s instead of misreading it', (_what, text) => {
    expect(() => parseYamlSubset(text)).toThrow();
  });
});

describe('docker-compose.yml', () => {
  it('defines asterisk, postgres, redis, gateway and worker, each long-running service with a healthcheck command', () => {
    for (const name of ['asterisk', 'postgres', 'redis', 'gateway', 'worker']) {
      const test = asMap(service(name).healthcheck, `${name}.healthcheck`).test;
      expect(Array.isArray(test) && test.length > 1, `${name} healthcheck test`).toBe(true);
      expect(service(name).restart, `${name} restart policy`).toBe('unless-stopped');
    }
  });

  it('runs the Asterisk renderer once, before Asterisk starts', () => {
    expect(service('asterisk-conf').restart).toBe('no');
    expect(asMap(service('asterisk').depends_on, 'asterisk.depends_on')['asterisk-conf']).toEqual({
      condition: 'service_completed_successfully',
    });
  });

  it('starts the gateway and the worker only once postgres and redis are healthy', () => {
    for (const name of ['gateway', 'worker']) {
      const deps = asMap(service(name).depends_on, `${name}.depends_on`);
      expect(deps.postgres, `${name} → postgres`).toEqual({ condition: 'service_healthy' });
      expect(deps.redis, `${name} → redis`).toEqual({ condition: 'service_healthy' });
    }
  });

  it('names only build contexts, dockerfiles and bind-mount sources that exist in the repository', () => {
    const checked: string[] = [];
    for (const [name, raw] of Object.entries(services)) {
      const svc = asMap(raw, name);
      if (svc.build !== undefined) {
        const build = asMap(svc.build, `${name}.build`);
        const context = join(repoRoot, String(build.context));
        expect(existsSync(context), `${name} build context`).toBe(true);
        const dockerfile = join(context, String(build.dockerfile ?? 'Dockerfile'));
        expect(existsSync(dockerfile), `${name} dockerfile ${dockerfile}`).toBe(true);
        checked.push(dockerfile);
      }
      for (const mount of (svc.volumes ?? []) as Yaml[]) {
        const source = String(mount).split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) {
          expect(existsSync(join(repoRoot, source)), `${name} bind mount ${source}`).toBe(true);
          checked.push(source);
        } else {
          expect(Object.keys(asMap(compose.volumes, 'volumes')), `${name} named volume ${source}`).toContain(source);
        }
      }
      expect(svc.env_file, `${name} env_file`).toBeUndefined();
    }
    expect(checked.length).toBeGreaterThan(2);
  });

  it('interpolates only configuration-schema keys and the image tag', () => {
    const names = new Set(strings(compose).flatMap(interpolatedVariables));
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) expect(schemaKeys.has(name) || COMPOSE_VARIABLES.has(name), `\${${name}}`).toBe(true);
  });

  it('sets only configuration-schema keys as environment', () => {
    for (const [name, raw] of Object.entries(services)) {
      const env = asMap(raw, name).environment;
      if (env === undefined) continue;
      for (const key of Object.keys(asMap(env, `${name}.environment`))) expect(schemaKeys.has(key), `${name}: ${key}`).toBe(true);
    }
  });

  it('has no default for a secret: each must come from .env or compose refuses to start', () => {
    const env = asMap(service('gateway').environment, 'gateway.environment');
    for (const key of SECRETS) expect(String(env[key]), key).toMatch(new RegExp(`^\\$\\{${key}:\\?[^}]+\\}$`));
  });

  it('configures postgres and redis from the very URLs the gateway and the worker connect with', () => {
    const env = asMap(service('gateway').environment, 'gateway.environment');
    expect(asMap(service('postgres').environment, 'postgres.environment')).toEqual({ CTI_DATABASE_URL: env.CTI_DATABASE_URL });
    expect(asMap(service('redis').environment, 'redis.environment')).toEqual({ CTI_REDIS_URL: env.CTI_REDIS_URL });
  });

  it('runs every long-running service on the host network and builds on it (the engine has no bridge here)', () => {
    for (const [name, raw] of Object.entries(services)) {
      const svc = asMap(raw, name);
      if (name !== 'asterisk-conf') expect(svc.network_mode, `${name} network_mode`).toBe('host');
      expect(asMap(svc.build, `${name}.build`).network, `${name} build network`).toBe('host');
      expect(String(svc.image), `${name} image`).toMatch(/^cti12345\/[a-z]+:\$\{CTI_IMAGE_TAG:-local\}$/);
    }
  });

  it('avoids what docker-compose 1.29 refuses or misreads: a top-level name, ${...} nested in a default or message', () => {
    expect(compose.name).toBeUndefined();
    expect(compose.version).toBeUndefined();
    // 1.29 ends a default at the first "}", so ${A:-x${B}y} would read as "x${B" followed by "y}".
    const nested = [...composeText.matchAll(/\$\{[A-Za-z_][A-Za-z0-9_]*:?[-?][^}]*\$\{/g)].map((m) => m[0]);
    expect(nested).toEqual([]);
  });

  it('gives every node service every setting of the schema, each overridable by the variable of the same name', () => {
    for (const name of NODE_SERVICES) {
      const env = asMap(service(name).environment, `${name}.environment`);
      expect(Object.keys(env).sort(), name).toEqual([...schemaKeys].sort());
      for (const [key, value] of Object.entries(env)) {
        expect(String(value), `${name}: ${key}`).toMatch(new RegExp(`^\\$\\{${key}:[-?]`));
      }
    }
  });

  it('runs node entry points whose TypeScript sources exist', () => {
    const commands = Object.values(services).flatMap((s) => strings(asMap(s, 'service').command ?? []));
    const entries = commands.filter((c) => /^services\/[a-z-]+\/dist\/[a-z.-]+\.js$/.test(c));
    expect(entries.length).toBe(2);
    for (const entry of entries) {
      expect(existsSync(join(repoRoot, entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts'))), entry).toBe(true);
    }
    expect(existsSync(join(repoRoot, 'services/gateway/src/render-asterisk.main.ts'))).toBe(true);
  });

  it('renders the Asterisk configuration into the volume Asterisk reads it from, at the same path', () => {
    const renderer = service('asterisk-conf');
    const asterisk = service('asterisk');
    const instanceMount = (svc: YamlMap) => ((svc.volumes ?? []) as string[]).find((v) => v.startsWith('asterisk-instance:'));
    expect(instanceMount(renderer)).toBe('asterisk-instance:/var/lib/cti-asterisk');
    expect(instanceMount(asterisk)).toBe(instanceMount(renderer));
    expect(renderer.command).toEqual(['cti-render-asterisk', '/app/asterisk-conf', '/var/lib/cti-asterisk']);
    expect(renderer.volumes).toContain('./asterisk-conf:/app/asterisk-conf:ro');
    expect(strings(asMap(asterisk.healthcheck, 'healthcheck').test!)).toContain('/var/lib/cti-asterisk/etc/asterisk.conf');
    expect(readFileSync(join(repoRoot, 'asterisk-conf/asterisk.conf'), 'utf8')).toContain('astetcdir => {{INSTANCE_ROOT}}/etc');
  });
});

describe('deploy/ Dockerfiles', () => {
  it('copy only files that exist in the build context', () => {
    const dockerfiles = readdirSync(join(repoRoot, 'deploy')).filter((f) => f.endsWith('.Dockerfile'));
    expect(dockerfiles.sort()).toEqual(['asterisk.Dockerfile', 'node.Dockerfile', 'postgres.Dockerfile', 'redis.Dockerfile']);
    for (const file of dockerfiles) {
      const text = readFileSync(join(repoRoot, 'deploy', file), 'utf8');
      for (const m of text.matchAll(/^COPY\s+(?!--from)(.+)$/gm)) {
        const sources = m[1]!.trim().split(/\s+/).slice(0, -1);
        for (const source of sources) expect(existsSync(join(repoRoot, source)), `${file}: ${source}`).toBe(true);
      }
    }
  });

  it('build FROM a local Debian base made by deploy/base-image.sh (or an earlier stage), never a registry image', () => {
    for (const file of readdirSync(join(repoRoot, 'deploy')).filter((f) => f.endsWith('.Dockerfile'))) {
      const text = readFileSync(join(repoRoot, 'deploy', file), 'utf8');
      const stages: string[] = [];
      for (const m of text.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?\s*$/gim)) {
        const base = m[1]!;
        expect(/^cti12345\/base:[a-z]+$/.test(base) || stages.includes(base), `${file}: FROM ${base}`).toBe(true);
        if (m[2]) stages.push(m[2]);
      }
      expect(text, file).toMatch(/^FROM /m);
    }
  });
});
