// The per-address sign-in limit through the running gateway: one address guessing passwords across many usernames
// (so no account's lockout ever counts twice) is refused with 429, Retry-After and the reason after
// CTI_STAFF_ADDRESS_FAILURES refusals, even with a right password, while another address signs the same person in;
// the block is audited and logged. The guesses come from 127.0.0.77 (a loopback address of its own, so the limit
// never touches the other files' sign-ins from 127.0.0.1).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { signInFrom } from './support/sign-in.js';
import type { Kysely } from 'kysely';
import { createDb, type Database } from '@cti/db';

const ctx = inject('e2e');
const tag = Date.now().toString(36);
const GUESSER = '127.0.0.77';
const FAILURES = Number(ctx.env.CTI_STAFF_ADDRESS_FAILURES ?? 20);
const user = { name: `lim-${tag}`, password: 'Limit-Pass-2026' };
let db: Kysely<Database>;

const signIn = (localAddress: string, username: string, password: string) => signInFrom(ctx.apiUrl, localAddress, username, password);

beforeAll(async () => {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('node', ['services/gateway/dist/admin.main.js', 'staff', 'add', '--username', user.name, '--name', '限流测试', '--role', 'supervisor'], { cwd: ctx.root, env: { ...process.env, ...ctx.env } }, (err, _o, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(),
    );
    child.stdin?.end(`${user.password}\n`);
  });
  db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 2);
});

afterAll(async () => {
  await db?.destroy();
});

describe('sign-in limit per address', () => {
  it('refuses an address that sprayed guesses over many usernames (429, Retry-After, reason; audited, logged) and lets another address in', async () => {
    const started = Date.now();
    for (let i = 0; i < FAILURES; i++) {
      const r = await signIn(GUESSER, `spray${i}-${tag}`, `Guess-${i}-2026`);
      expect([i, r.status, r.body.error]).toEqual([i, 401, 'CTI_ERR_AUTH_FAILED']);
    }
    // Now even the right password of a real account is refused from there, without being checked.
    const limited = await signIn(GUESSER, user.name, user.password);
    expect([limited.status, limited.body.error, limited.body.details.reason]).toEqual([429, 'CTI_ERR_RATE_LIMITED', 'sign_in_failures_from_address']);
    const windowS = Number(ctx.env.CTI_STAFF_ADDRESS_WINDOW_S ?? 600);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(windowS);
    expect(limited.body.details.retryAfterSeconds).toBe(Number(limited.retryAfter));

    // The same person from another address: signed in.
    const other = await signIn('127.0.0.1', user.name, user.password);
    expect([other.status, other.body.staff?.username]).toEqual([200, user.name]);

    const rows = await db.selectFrom('audit_log').select(['action', 'target', 'data']).where('action', '=', 'staff.login_address_limited').where('target', '=', `address:${GUESSER}`).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.data).toMatchObject({ ip: GUESSER, failures: FAILURES, windowSeconds: windowS });
    expect(Date.parse(String((rows[0]?.data as { blockedUntil: string }).blockedUntil))).toBeGreaterThan(started);
    const log = readFileSync(`${ctx.root}.run/${ctx.runId}/gateway.log`, 'utf8');
    expect(log).toMatch(new RegExp(`"address":"${GUESSER.replace(/\./g, '\\.')}".*too many refused sign-ins from one address`));
  }, 120_000);
});
