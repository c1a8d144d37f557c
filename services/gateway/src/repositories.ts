// Every repository the gateway uses, built once on the database and handed to the features that read or write it.
// All of them are stateless wrappers of the Kysely instance (their constructors keep only the database and fixed
// settings), so one instance of each is shared; caches such as the working calendar stay in the feature that owns them.
import type { Kysely } from 'kysely';
import { tokenLifetimeDays, type Config } from '@cti/contracts';
import {
  AgentRepository,
  AgentStateRepository,
  AlertRepository,
  AuditRepository,
  BackupRepository,
  CalendarRepository,
  CallRecordingRepository,
  CallRepository,
  CallbackTaskRepository,
  DepartmentRepository,
  ExchangeRepository,
  IncidentRepository,
  InspectionRepository,
  KnowledgeBaseRepository,
  RotaRepository,
  CallRatingRepository,
  CallerMarkRepository,
  HotlineLineRepository,
  KpiRepository,
  QaRepository,
  ReportRepository,
  SmsRepository,
  StaffRepository,
  StaffSessionRepository,
  StaffRecordsRepository,
  TicketCallbackRepository,
  TicketRepository,
  TokenRepository,
  type Database,
} from '@cti/db';

/** The gateway's repositories, one instance each. */
export interface Repositories {
  agents: AgentRepository;
  agentStates: AgentStateRepository;
  alerts: AlertRepository;
  audit: AuditRepository;
  backups: BackupRepository;
  calendar: CalendarRepository;
  callRecordings: CallRecordingRepository;
  calls: CallRepository;
  callbackTasks: CallbackTaskRepository;
  departments: DepartmentRepository;
  exchange: ExchangeRepository;
  incidents: IncidentRepository;
  inspections: InspectionRepository;
  kb: KnowledgeBaseRepository;
  rota: RotaRepository;
  callRatings: CallRatingRepository;
  callerMarks: CallerMarkRepository;
  hotlineLines: HotlineLineRepository;
  kpi: KpiRepository;
  qa: QaRepository;
  reports: ReportRepository;
  sms: SmsRepository;
  staff: StaffRepository;
  staffSessions: StaffSessionRepository;
  staffRecords: StaffRecordsRepository;
  ticketCallbacks: TicketCallbackRepository;
  tickets: TicketRepository;
  tokens: TokenRepository;
}

/** The configuration the repositories read: the bearer tokens' lifetimes by role. */
export type RepositoriesConfig = Pick<Config, 'CTI_TOKEN_LIFETIME_DAYS'>;

/** Builds every repository once (main.ts, and the admin CLI for its commands). */
export function createRepositories(db: Kysely<Database>, config: RepositoriesConfig): Repositories {
  return {
    agents: new AgentRepository(db),
    agentStates: new AgentStateRepository(db),
    alerts: new AlertRepository(db),
    audit: new AuditRepository(db),
    backups: new BackupRepository(db),
    calendar: new CalendarRepository(db),
    callRecordings: new CallRecordingRepository(db),
    calls: new CallRepository(db),
    callbackTasks: new CallbackTaskRepository(db),
    departments: new DepartmentRepository(db),
    exchange: new ExchangeRepository(db),
    incidents: new IncidentRepository(db),
    inspections: new InspectionRepository(db),
    kb: new KnowledgeBaseRepository(db),
    rota: new RotaRepository(db),
    callRatings: new CallRatingRepository(db),
    callerMarks: new CallerMarkRepository(db),
    hotlineLines: new HotlineLineRepository(db),
    kpi: new KpiRepository(db),
    qa: new QaRepository(db),
    reports: new ReportRepository(db),
    sms: new SmsRepository(db),
    staff: new StaffRepository(db),
    staffSessions: new StaffSessionRepository(db),
    staffRecords: new StaffRecordsRepository(db),
    ticketCallbacks: new TicketCallbackRepository(db),
    tickets: new TicketRepository(db),
    tokens: new TokenRepository(db, tokenLifetimeDays(config)),
  };
}
