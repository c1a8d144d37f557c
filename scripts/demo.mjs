// Demo caller load for a newcomer: SIPp softphones answer for seats 02…26, agents log in and get ready,
// SIPp citizens call 12345 over the primary and backup trunks, and live progress is printed. Outside production mode
// it also adds demo staff sign-ins (DEMO_STAFF below, with their published passwords) and a few knowledge-base articles
// (marked 演示条目; written by a demo lead, approved by a demo manager, once), and this month's rota (once).
// Started by `scripts/stack.sh up`; stops its own children on SIGINT/SIGTERM.
//   CTI_DEMO_CPS   calls per second on the primary trunk (default 1; the backup trunk gets a fifth of it)
//   CTI_DEMO_HOLD_MS  how long each citizen talks (default 8000)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cti/contracts';
import { systemClock } from '@cti/domain';
import { AgentRepository, HotlineLineRepository, KnowledgeBaseRepository, TokenRepository, createDb } from '@cti/db';
import { createStaffWiring } from '../services/gateway/dist/staff/staff.feature.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const config = loadConfig(process.env);
const cps = Number(process.env.CTI_DEMO_CPS ?? 1);
const holdMs = Number(process.env.CTI_DEMO_HOLD_MS ?? 8000);
const api = `http://127.0.0.1:${config.CTI_HTTP_PORT}`;
const children = [];

function stop() {
  for (const c of children) c.kill('SIGKILL');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const db = createDb(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, 2);
const agents = new AgentRepository(db);
const ids = [];
for (let n = 1; n <= config.CTI_SEATS; n++) {
  const id = `a${String(n).padStart(2, '0')}`;
  // The last three seats are bilingual Tibetan–Mandarin call-takers.
  await agents.upsert({ id, name: `坐席 ${n}`, skills: n > config.CTI_SEATS - 3 ? { mandarin: 5, tibetan: 8 } : { mandarin: 5 } });
  ids.push(id);
}
const token = await new TokenRepository(db).create('supervisor', 'demo', null);
// Agent a01 is left for a person at the agent desk (seat-01, browser phone); the other agents answer on SIPp phones,
// except the last seat's, which stays free for the supervisor console's browser phone (monitor, whisper, barge).
const deskAgent = ids.shift();
const consoleSeat = `seat-${String(config.CTI_SEATS).padStart(2, '0')}`;
ids.pop();

// Demo sign-ins for the desk, the console and the admin page. Their passwords are published (README), so they are
// made only in a demo outside production mode; a rerun resets them to the demo passwords and enables them again.
const DEMO_STAFF = [
  { username: 'a01', displayName: '坐席 1', role: 'agent', agentId: 'a01', password: 'Agent-12345' },
  { username: 'sup01', displayName: '值班长 1', role: 'supervisor', agentId: null, password: 'Super-12345' },
  { username: 'admin01', displayName: '管理员 1', role: 'admin', agentId: null, password: 'Admin-12345' },
];
if (config.CTI_ENV === 'production') {
  console.log('[demo] CTI_ENV=production: no demo staff accounts are made (add people with cti-admin staff add)');
} else {
  const staff = createStaffWiring({ db, config, clock: systemClock }).admin;
  const actor = { role: 'admin', id: 'demo' };
  for (const s of DEMO_STAFF) {
    const found = await staff.findByUsername(s.username);
    if (found) await staff.update(found.id, { password: s.password, disabled: false }, actor);
    else await staff.create(s, actor);
  }
  // Knowledge-base articles to find with F8 on the desk ("停水", "社保卡", "公积金") and to edit in the console.
  const kb = new KnowledgeBaseRepository(db);
  if (!(await db.selectFrom('kb_articles').select('id').where('created_by', '=', 'demo-lead').executeTakeFirst())) {
    const DEMO_ARTICLES = [
      { title: '康定城区计划停水通知', category: '供水', region: '康定市', keywords: ['停水', '供水'], body: '因供水管网改造，康定城区部分区域计划停水，恢复时间以供水公司通知为准。\n\n- 请市民提前储水\n- 停水期间可向供水公司预约送水\n\n（演示条目）' },
      { title: '社保卡遗失补办流程', category: '社保', region: null, keywords: ['社保卡', '补办'], body: '社保卡遗失后先挂失，再携带身份证到社保经办窗口或通过线上渠道申请补办。\n\n- 挂失：拨打社保服务热线或到窗口办理\n- 补办：填写申请表，领取新卡\n\n（演示条目）' },
      { title: '住房公积金提取条件', category: '住房', region: null, keywords: ['公积金', '提取'], body: '购买、建造、翻建、大修自住住房，或租房自住等情形，可申请提取住房公积金。具体材料以公积金中心公布为准。\n\n（演示条目）' },
    ];
    for (const a of DEMO_ARTICLES) {
      const created = await kb.create({ ...a, departmentId: null, validFrom: null, validUntil: null }, 'demo-lead');
      await kb.transition(created.id, 'submit', 'demo-lead', null);
      await kb.transition(created.id, 'approve', 'demo-manager', '演示');
    }
  }
}
// Merged hotlines (双号并行, docs/domain.md §18): 12345 comes with the migrations; the demo adds one merged local line
// with its own number, so the wallboard's 分线路接通 tile and the reports' per-line table have two lines to show.
const DEMO_MERGED_LINE = { did: '12315', name: '12315消费者投诉举报专线', answerRateTarget: 0.95 };
if (config.CTI_ENV !== 'production') {
  const lines = new HotlineLineRepository(db);
  if (!(await lines.find(DEMO_MERGED_LINE.did))) await lines.create(DEMO_MERGED_LINE, 'demo');
}
await db.destroy();
const call = (method, path, body) =>
  fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body && { 'content-type': 'application/json' }) }, ...(body && { body: JSON.stringify(body) }) }).then((r) => r.json());

for (let n = 2; n < config.CTI_SEATS; n++) {
  const port = config.CTI_SEAT_BASE_PORT + n;
  children.push(spawn('sipp', ['-sf', `${root}test/sipp/seat.xml`, '-i', '127.0.0.1', '-p', String(port), '-mp', String(20000 + n * 8), '-d', '1500', '-aa', '-l', '1000', '-nostdin'], { stdio: 'ignore' }));
}
for (const id of ids) {
  await call('POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` });
  await call('POST', `/api/v1/agents/${id}/ready`);
}
console.log(`[demo] ${ids.length} agents logged in and ready; supervisor token for the API: ${token}`);
if (config.CTI_ENV !== 'production') {
  // This month's rota, proposed from the staffing forecast and saved, unless one was saved already (the console's
  // 排班与考勤 page shows it with today's attendance).
  const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
  const existing = await call('GET', `/api/v1/rota?month=${month}`);
  if (existing.entries?.length === 0) {
    const proposal = await call('POST', '/api/v1/rota/proposal', { month });
    const saved = await call('PUT', `/api/v1/rota/${month}`, { entries: proposal.assignments ?? [] });
    console.log(`[demo] rota for ${month}: ${saved.saved ?? 0} shifts saved (${proposal.agentHours} agent-hours, ${proposal.emptySlots} shifts left empty)`);
  }
  // Staff records for the staff KPIs (人员与培训), once: the agents on the staff since three months ago, this month's
  // first-day training and exam, and an open recruitment request.
  const people = await call('GET', '/api/v1/personnel/members');
  if (people.items?.length === 0) {
    const d = new Date(Date.now() + 8 * 3_600_000);
    const joined = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 3, 1)).toISOString().slice(0, 10);
    const members = [];
    for (const id of ids) members.push((await call('POST', '/api/v1/personnel/members', { name: `坐席${id.slice(1)}（演示）`, post: 'agent', joinedOn: joined })).id);
    await call('POST', '/api/v1/personnel/trainings', { heldOn: `${month}-01`, topic: '演示：本月政策法规培训', hours: 2, trainer: '培训组', attendeeIds: members.slice(0, -1) });
    await call('POST', '/api/v1/personnel/exams', { heldOn: `${month}-01`, topic: '演示：月度业务考试', passMark: 80, scores: members.map((m, i) => ({ memberId: m, score: 78 + (i % 5) * 5 })) });
    await call('POST', '/api/v1/personnel/recruitments', { post: 'agent', positions: 2, reason: '演示：补充藏汉双语坐席', openedOn: `${month}-01` });
    console.log(`[demo] staff records: ${members.length} people, a training, an exam and a recruitment request this month`);
  }
  console.log(`[demo] staff sign-in (POST ${api}/api/v1/auth/login): ${DEMO_STAFF.map((s) => `${s.role} ${s.username} / ${s.password}`).join(', ')}`);
  console.log(`[demo] agent desk: ${api}/desk/ — sign in as ${deskAgent} / Agent-12345, log in to seat-01 with 网页电话 and press 就绪 (F1); calls ring in the browser (allow the microphone)`);
  console.log(`[demo] supervisor console: ${api}/console/ — sign in as sup01 / Super-12345; 监听/耳语/强插 on a call rings the console's browser phone on ${consoleSeat} (left free for it)`);
  console.log(`[demo] staff accounts (admin page): ${api}/console/ — sign in as admin01 / Admin-12345 and open 人员账号`);
  console.log(`[demo] knowledge base: on the desk press F8 and search 停水 / 社保卡 / 公积金; on the console sup01 opens 知识库管理`);
  console.log(`[demo] rota and attendance: on the console sup01 opens 排班与考勤 (month grid, today's attendance, swaps, handover)`);
  console.log(`[demo] staff records and KPIs: on the console sup01 opens 人员与培训 (staff KPIs against the contract, people, trainings, exams, recruitment)`);
}

const target = `127.0.0.1:${config.CTI_SIP_PORT}`;
const caller = (from, rate, mediaPort, did = '12345') => {
  const [ip, port] = from.split(':');
  children.push(
    spawn('sipp', [target, '-sf', `${root}test/sipp/caller.xml`, '-s', did, '-i', ip, '-p', port, '-mp', String(mediaPort), '-r', String(rate), '-d', String(holdMs), '-aa', '-l', '200', '-nostdin', '-key', 'caller_prefix', `138${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`], { stdio: 'ignore' }),
  );
};
caller(config.CTI_TRUNK_PRIMARY, cps, 42000);
caller(config.CTI_TRUNK_BACKUP, Math.max(0.1, cps / 5), 43000);
console.log(`[demo] citizens calling 12345: ${cps}/s on the primary trunk, ${Math.max(0.1, cps / 5)}/s on the backup; Ctrl-C stops everything`);
if (config.CTI_ENV !== 'production') {
  // The merged line's own number rings into the same centre from the primary trunk's address (another port: the trunk
  // is matched by host); its calls are counted apart (分线路接通).
  caller(config.CTI_TRUNK_PRIMARY.replace(/:(\d+)$/, (_, p) => `:${Number(p) + 10}`), Math.max(0.1, cps / 5), 44000, DEMO_MERGED_LINE.did);
  console.log(`[demo] citizens calling the merged line ${DEMO_MERGED_LINE.did} (${DEMO_MERGED_LINE.name}): ${Math.max(0.1, cps / 5)}/s on the primary trunk`);
}

setInterval(async () => {
  try {
    const [rate, queue, agentList, tickets] = await Promise.all([
      call('GET', '/api/v1/stats/answer-rate'),
      call('GET', '/api/v1/queue'),
      call('GET', '/api/v1/agents'),
      call('GET', '/api/v1/tickets?limit=1'),
    ]);
    const onCall = agentList.items.filter((a) => a.live?.state === 'on_call').length;
    const pct = rate.rate === null ? '-' : `${(rate.rate * 100).toFixed(1)}%`;
    console.log(`[demo] offered ${rate.offered}  answered ${rate.answered}  abandoned ${rate.abandoned}  answer rate ${pct} (target 98%)  waiting ${queue.items.length}  agents on call ${onCall}  tickets ${tickets.total}`);
  } catch (err) {
    console.log(`[demo] gateway not answering: ${err.message}`);
  }
}, 2000);
