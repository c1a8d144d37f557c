// Administration CLI:
//   cti-admin token create --role ROLE --label TEXT [--agent AGENT_ID] [--department DEPT_ID]   prints a new bearer token
//     (shown once); role `department` needs --department: the handling unit the token speaks for
//   cti-admin agent add --id ID --name NAME [--skills mandarin:5,tibetan:8] [--backup]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cti/contracts';
import { AgentRepository, DepartmentRepository, ROLES, TokenRepository, createDb, migrate, type Role } from '@cti/db';

const config = loadConfig(process.env);
const [noun, verb, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: { role: { type: 'string' }, label: { type: 'string' }, agent: { type: 'string' }, department: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, skills: { type: 'string' }, backup: { type: 'boolean' } },
});

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

async function main(): Promise<void> {
  await migrate(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, fileURLToPath(new URL('../../../migrations', import.meta.url)));
  const db = createDb(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, 2);
  try {
    if (noun === 'token' && verb === 'create') {
      const role = values.role as Role;
      if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
      if (!values.label) fail('--label is required');
      if (values.agent && !(await new AgentRepository(db).findById(values.agent))) fail(`no agent ${values.agent}`);
      if ((role === 'department') !== (values.department !== undefined)) fail(role === 'department' ? '--department is required for a department token' : '--department only goes with --role department');
      if (values.department && !(await new DepartmentRepository(db).findById(values.department))) fail(`no department ${values.department}`);
      console.log(await new TokenRepository(db).create(role, values.label, values.agent ?? null, values.department ?? null));
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
      fail('usage: cti-admin token create --role ROLE --label TEXT [--agent ID] [--department ID] | agent add --id ID --name NAME [--skills s:l,...] [--backup]');
    }
  } finally {
    await db.destroy();
  }
}

main().catch((err: Error) => fail(err.message));
