// The admin page for staff accounts, in a real browser (headless Chromium) on the real stack: an admin signs in to
// the console, opens 人员账号, is told why an agent account without an agent id and a weak password are refused, adds
// a QA account, disables it (its sign-in is refused), enables it, sees it locked after wrong passwords and unlocks
// it, and resets its password (the old one no longer works, the new one does). Every change is audited. The wrong
// passwords come from an address of this file's own (127.0.0.78), so the per-address sign-in limit of other files'
// loopback traffic is not touched. A screenshot goes to .run/<run>/console-staff-admin.png.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { signInFrom } from './support/sign-in.js';
import type { Browser, Page } from 'playwright-core';
import { createDb, type Database } from '@cti/db';
import type { Kysely } from 'kysely';
import { DESK_CONTEXT, adminCli, launchChromium } from './support/desk-browser.js';

const ctx = inject('e2e');
const tag = Date.now().toString(36);
const shots = join(ctx.root, '.run', ctx.runId);
const adminUser = { username: `adm-${tag}`, password: 'Admin-Page-2026' };
const person = { username: `qa-${tag}`, name: '质检员小卓玛', password: 'Quality-Check-2026', next: 'Reset-Again-2026x' };
const WRONG_FROM = '127.0.0.78';
const LOCKOUT_ATTEMPTS = Number(ctx.env.CTI_STAFF_LOCKOUT_ATTEMPTS ?? 5);

const signIn = (username: string, password: string, localAddress = '127.0.0.1') => signInFrom(ctx.apiUrl, localAddress, username, password);

describe('the staff accounts admin page', () => {
  let chrome: Browser | undefined;
  let page: Page;
  let db: Kysely<Database>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 2);
    await adminCli(ctx.root, ctx.env, ['staff', 'add', '--username', adminUser.username, '--name', '系统管理员甲', '--role', 'admin'], `${adminUser.password}\n`);
    mkdirSync(shots, { recursive: true });
    chrome = await launchChromium();
    page = await (await chrome.newContext(DESK_CONTEXT)).newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await chrome?.close();
    await db?.destroy();
  });

  /** The table row of the account, by username. */
  const row = (username: string) => page.locator('[data-test=staff-table] .el-table__body tr', { hasText: username });
  /** Waits for an Element Plus message (success or refusal) saying `text`. */
  const message = (type: 'success' | 'error', text: string | RegExp) => page.locator(`.el-message--${type}`, { hasText: text }).first().waitFor();

  it('lists, adds (refusals explained), disables, enables, unlocks and resets a password; each change audited', async () => {
    await page.goto(`${ctx.apiUrl}/console/`);
    await page.fill('input[name=username]', adminUser.username);
    await page.fill('input[name=password]', adminUser.password);
    await page.click('[data-test=sign-in]');
    await page.click('[data-test=open-staff]');
    await row(adminUser.username).waitFor();
    expect(await row(adminUser.username).innerText()).toMatch(/系统管理员甲\s+系统管理员\s+—\s+正常/);

    // An agent account needs an agent id; the page says what the gateway said.
    await page.click('[data-test=staff-add]');
    await page.fill('input[data-test=staff-f-username]', person.username);
    await page.fill('input[data-test=staff-f-name]', person.name);
    await page.fill('input[data-test=staff-f-password]', person.password);
    await page.click('[data-test=staff-save]');
    await message('error', /输入有误（400：.*agent id/);
    // A QA account with a weak password: the policy's objection in words.
    await page.click('[data-test=staff-f-role]');
    await page.click('.el-select-dropdown__item:has-text("质检员")');
    await page.fill('input[data-test=staff-f-password]', 'qa');
    await page.click('[data-test=staff-save]');
    await message('error', '密码太短');
    await page.fill('input[data-test=staff-f-password]', person.password);
    await page.click('[data-test=staff-save]');
    await message('success', `已添加 ${person.username}`);
    await row(person.username).waitFor();
    expect(await row(person.username).innerText()).toMatch(new RegExp(`${person.name}\\s+质检员\\s+—\\s+正常\\s+从未登录`));
    const added = await db.selectFrom('staff_accounts').select(['id', 'role', 'agent_id', 'disabled']).where('username', '=', person.username).executeTakeFirstOrThrow();
    expect(added).toMatchObject({ role: 'qa', agent_id: null, disabled: false });
    expect((await signIn(person.username, person.password)).status).toBe(200);

    // Disable (confirmed): the account's sign-in is refused; enable again.
    await page.click(`[data-test=staff-toggle-${person.username}]`);
    await page.click('.el-message-box__btns .el-button--primary');
    await row(person.username).locator('text=已停用').waitFor();
    const disabled = await signIn(person.username, person.password);
    expect([disabled.status, disabled.body.error]).toEqual([401, 'CTI_ERR_AUTH_DISABLED']);
    await page.click(`[data-test=staff-toggle-${person.username}]`);
    await row(person.username).locator('text=正常').waitFor();

    // Wrong passwords lock it; the page shows the lock after a refresh of the list and unlocks it.
    for (let i = 0; i < LOCKOUT_ATTEMPTS; i++) expect((await signIn(person.username, `Wrong-${i}-Pass-2026`, WRONG_FROM)).status).toBe(401);
    expect((await signIn(person.username, person.password)).body.error).toBe('CTI_ERR_AUTH_LOCKED');
    await page.click('.staff-drawer .el-drawer__close-btn');
    await page.click('[data-test=open-staff]');
    await row(person.username).locator('text=锁定至').waitFor();
    await page.screenshot({ path: join(shots, 'console-staff-admin.png'), animations: 'disabled' });
    await page.click(`[data-test=staff-unlock-${person.username}]`);
    await row(person.username).locator('text=正常').waitFor();
    expect((await signIn(person.username, person.password)).status).toBe(200);

    // Reset the password: the old one is refused, the new one signs in.
    await page.click(`[data-test=staff-reset-${person.username}]`);
    await page.fill('input[data-test=staff-reset-password]', person.next);
    await page.click('[data-test=staff-reset-save]');
    await message('success', '密码已重置');
    expect((await signIn(person.username, person.password, WRONG_FROM)).status).toBe(401);
    expect((await signIn(person.username, person.next)).status).toBe(200);

    const audit = await db.selectFrom('audit_log').select(['action', 'actor_id']).where('target', '=', `staff:${added.id}`).orderBy('id').execute();
    const byAdmin = audit.filter((a) => a.actor_id === adminUser.username).map((a) => a.action);
    expect(byAdmin).toEqual(['staff.create', 'staff.update', 'staff.update', 'staff.update', 'staff.password_reset']);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
