// Administration CLI:
//   cti-admin token create --role ROLE --label TEXT [--agent AGENT_ID] [--department DEPT_ID]   prints a new bearer token
//     [--days N]   (shown once); role `department` needs --department: the handling unit the token speaks for; it expires
//     after N days (default: the role's lifetime in CTI_TOKEN_LIFETIME_DAYS)
//   cti-admin token list                                     id, role, label, expiry and revocation of every token
//   cti-admin token revoke (--id ID | --token TOKEN)         revokes a token: its requests get 401 at once and its open
//     WebSocket/SSE streams close within CTI_TOKEN_RECHECK_S
//   cti-admin agent add --id ID --name NAME [--skills mandarin:5,tibetan:8] [--backup]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig, tokenLifetimeDays } from '@cti/contracts';
import { AgentRepository, DepartmentRepository, ROLES, TokenRepository, createDb, migrate, type Role } from '@cti/db';

const config = loadConfig(process.env);
const [noun, verb, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: { role: { type: 'string' }, label: { type: 'string' }, agent: { type: 'string' }, department: { type: 'string' }, id: { type: 'string' }, token: { type: 'string' }, days: { type: 'string' }, name: { type: 'string' }, skills: { type: 'string' }, backup: { type: 'boolean' } },
});

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

async function main(): Promise<void> {
  await migrate(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, fileURLToPath(new URL('../../../migrations', import.meta.url)));
  const db = createDb(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, 2);
  const tokens = new TokenRepository(db, tokenLifetimeDays(config));
  try {
    if (noun === 'token' && verb === 'create') {
      const role = values.role as Role;
      if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
      if (!values.label) fail('--label is required');
      if (values.agent && !(await new AgentRepository(db).findById(values.agent))) fail(`no agent ${values.agent}`);
      if ((role === 'department') !== (values.department !== undefined)) fail(role === 'department' ? '--department is required for a department token' : '--department only goes with --role department');
      if (values.department && !(await new DepartmentRepository(db).findById(values.department))) fail(`no department ${values.department}`);
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
      await new AgentRepository(db).upsert({ id: values.id, name: values.name, skills, backup: values.backup ?? false });
      console.log(JSON.stringify({ id: values.id, skills }));
    } else {
      fail('usage: cti-admin token create --role ROLE --label TEXT [--agent ID] [--department ID] [--days N] | token list | token revoke (--id ID | --token TOKEN) | agent add --id ID --name NAME [--skills s:l,...] [--backup]');
    }
  } finally {
    await db.destroy();
  }
}

main().catch((err: Error) => fail(err.message));
