// Administration CLI:
//   cti-admin token create --role ROLE --label TEXT [--agent AGENT_ID] [--department DEPT_ID]   prints a new bearer token
//     [--days N]   (shown once); role `department` needs --department: the handling unit the token speaks for; it expires
//     after N days (default: the role's lifetime in CTI_TOKEN_LIFETIME_DAYS)
//   cti-admin token list                                     id, role, label, expiry and revocation of every token
//   cti-admin token revoke (--id ID | --token TOKEN)         revokes a token: its requests get 401 at once and its open
//     WebSocket/SSE streams close within CTI_TOKEN_RECHECK_S
//   cti-admin agent add --id ID --name NAME [--skills mandarin:5,tibetan:8] [--backup]
//   cti-admin staff add --username NAME --name DISPLAY --role ROLE [--agent AGENT_ID] [--generate]
//     a person's sign-in account (roles agent, supervisor, qa, callback, manager, admin; an agent needs --agent). The
//     password is read from standard input (first line; typed hidden on a terminal), or --generate prints a random
//     one, once. It must meet the password policy (README, Security: staff sign-in).
//   cti-admin staff list                                     accounts with role, agent, disabled, lock, last sign-in
//   cti-admin staff password --username NAME [--generate]    resets the password (stdin or generated): clears a
//     lock and ends the person's sessions
//   cti-admin staff disable --username NAME | staff enable --username NAME | staff unlock --username NAME
//     disabling ends the person's sessions at once (open desk sockets close within CTI_TOKEN_RECHECK_S)
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cti/contracts';
import { CtiError, ROLES, STAFF_ROLES, passwordProblems, systemClock, type Role, type StaffRole } from '@cti/domain';
import { createDb, migrate } from '@cti/db';
import { createRepositories } from './repositories.js';
import { createStaffWiring } from './staff/staff.feature.js';
import type { AdminActor } from './staff/staff-admin.service.js';

const config = loadConfig(process.env);
const [noun, verb, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    role: { type: 'string' },
    label: { type: 'string' },
    agent: { type: 'string' },
    department: { type: 'string' },
    id: { type: 'string' },
    token: { type: 'string' },
    days: { type: 'string' },
    name: { type: 'string' },
    skills: { type: 'string' },
    backup: { type: 'boolean' },
    username: { type: 'string' },
    generate: { type: 'boolean' },
  },
});
const CLI_ACTOR: AdminActor = { role: 'admin', id: 'cli' };

/** A random password that meets the policy (shown once). */
function generatedPassword(username: string): string {
  for (;;) {
    const candidate = randomBytes(15).toString('base64url');
    if (passwordProblems(candidate, username).length === 0) return candidate;
  }
}

/** The first line of standard input; on a terminal, typed without echo. */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let typed = '';
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(typed);
        }
        if (ch === '\u0003') process.exit(130);
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}


function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

async function main(): Promise<void> {
  await migrate(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, fileURLToPath(new URL('../../../migrations', import.meta.url)));
  const db = createDb(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, 2);
  const repos = createRepositories(db, config);
  const tokens = repos.tokens;
  try {
    if (noun === 'token' && verb === 'create') {
      const role = values.role as Role;
      if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
      if (!values.label) fail('--label is required');
      if (values.agent && !(await repos.agents.findById(values.agent))) fail(`no agent ${values.agent}`);
      if ((role === 'department') !== (values.department !== undefined)) fail(role === 'department' ? '--department is required for a department token' : '--department only goes with --role department');
      if (values.department && !(await repos.departments.findById(values.department))) fail(`no department ${values.department}`);
      const days = values.days === undefined ? undefined : Number(values.days);
      if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 3650)) fail('--days must be a whole number of days, 1..3650');
      console.log(await tokens.create(role, values.label, values.agent ?? null, values.department ?? null, days));
    } else if (noun === 'token' && verb === 'list') {
      for (const t of await tokens.list()) {
        console.log(JSON.stringify({ id: t.id, role: t.role, label: t.label, agentId: t.agentId, departmentId: t.departmentId, createdAt: t.createdAt, expiresAt: t.expiresAt, revokedAt: t.revokedAt }));
      }
    } else if (noun === 'token' && verb === 'revoke') {
      if ((values.id === undefined) === (values.token === undefined)) fail('give exactly one of --id or --token');
      const id = values.id ?? (await tokens.findIdByToken(values.token as string));
      if (id === undefined || !/^\d{1,18}$/.test(id)) fail('no such token');
      if (!(await tokens.revoke(id))) fail(`token ${id} does not exist or is revoked already`);
      console.log(JSON.stringify({ revoked: id }));
    } else if (noun === 'agent' && verb === 'add') {
      if (!values.id || !values.name) fail('--id and --name are required');
      const skills: Record<string, number> = {};
      for (const part of (values.skills ?? 'mandarin:5').split(',')) {
        const [skill, level] = part.split(':');
        const n = Number(level ?? 5);
        if (!skill || !Number.isInteger(n) || n < 1 || n > 10) fail(`bad skill "${part}": use name:level with level 1..10`);
        skills[skill] = n;
      }
      await repos.agents.upsert({ id: values.id, name: values.name, skills, backup: values.backup ?? false });
      console.log(JSON.stringify({ id: values.id, skills }));
    } else if (noun === 'staff') {
      const staff = createStaffWiring({ repos, config, clock: systemClock }).admin;
      const byName = async () => {
        if (!values.username) fail('--username is required');
        const found = await staff.findByUsername(values.username);
        if (!found) fail(`no staff account ${values.username}`);
        return found;
      };
      const password = async (username: string) => {
        if (!values.generate) return readPassword(`password for ${username}: `);
        const p = generatedPassword(username);
        console.error(`generated password for ${username} (shown once): ${p}`);
        return p;
      };
      if (verb === 'add') {
        const role = values.role as StaffRole;
        if (!STAFF_ROLES.includes(role)) fail(`--role must be one of ${STAFF_ROLES.join(', ')}`);
        if (!values.username || !values.name) fail('--username and --name are required');
        const created = await staff.create({ username: values.username, displayName: values.name, role, agentId: values.agent ?? null, password: await password(values.username.toLowerCase()) }, CLI_ACTOR);
        console.log(JSON.stringify(created));
      } else if (verb === 'list') {
        for (const a of await staff.list()) console.log(JSON.stringify(a));
      } else if (verb === 'password') {
        const a = await byName();
        console.log(JSON.stringify(await staff.update(a.id, { password: await password(a.username) }, CLI_ACTOR)));
      } else if (verb === 'disable' || verb === 'enable') {
        const a = await byName();
        console.log(JSON.stringify(await staff.update(a.id, { disabled: verb === 'disable' }, CLI_ACTOR)));
      } else if (verb === 'unlock') {
        const a = await byName();
        console.log(JSON.stringify(await staff.update(a.id, { unlock: true }, CLI_ACTOR)));
      } else {
        fail('usage: cti-admin staff add --username NAME --name DISPLAY --role ROLE [--agent ID] [--generate] | staff list | staff password --username NAME [--generate] | staff disable|enable|unlock --username NAME');
      }
    } else {
      fail('usage: cti-admin token create --role ROLE --label TEXT [--agent ID] [--department ID] [--days N] | token list | token revoke (--id ID | --token TOKEN) | agent add --id ID --name NAME [--skills s:l,...] [--backup] | staff add|list|password|disable|enable|unlock …');
    }
  } finally {
    await db.destroy();
  }
}

// A refused input (password policy, unknown agent, taken username) is said with its reasons, not a stack.
main().catch((err: Error) => fail(err instanceof CtiError ? `${err.code}: ${err.message}` : err.message));
