import type { Config } from '@cti/contracts';
import type { Clock } from '@cti/domain';
import type { RouteFeature } from '../app.js';
import type { Repositories } from '../repositories.js';
import type { StreamSessions } from '../agent/agent-events.feature.js';
import { registerAuthRoutes } from './auth.routes.js';
import type { SessionAuth } from '../http/route.registry.js';
import { registerStaffRoutes } from './staff.routes.js';
import { ScryptPasswordHasher, type PasswordHasher } from './password.hasher.js';
import { StaffAdminService } from './staff-admin.service.js';
import { StaffAuthService, type StaffAuthLog, type StaffAuthSettings } from './staff-auth.service.js';

/** The sign-in settings of the configuration (CTI_STAFF_*). */
export function staffAuthSettings(
  config: Pick<Config, 'CTI_STAFF_LOCKOUT_ATTEMPTS' | 'CTI_STAFF_LOCKOUT_S' | 'CTI_STAFF_SESSION_IDLE_S' | 'CTI_STAFF_SESSION_MAX_S' | 'CTI_STAFF_ADDRESS_FAILURES' | 'CTI_STAFF_ADDRESS_WINDOW_S'>,
): StaffAuthSettings {
  return {
    lockout: { attempts: config.CTI_STAFF_LOCKOUT_ATTEMPTS, lockMs: config.CTI_STAFF_LOCKOUT_S * 1000 },
    address: { failures: config.CTI_STAFF_ADDRESS_FAILURES, windowMs: config.CTI_STAFF_ADDRESS_WINDOW_S * 1000 },
    session: { idleMs: config.CTI_STAFF_SESSION_IDLE_S * 1000, absoluteMs: config.CTI_STAFF_SESSION_MAX_S * 1000 },
  };
}

/** CTI_STAFF_ORIGINS as a list. */
export function staffOrigins(config: Pick<Config, 'CTI_STAFF_ORIGINS'>): string[] {
  return config.CTI_STAFF_ORIGINS.split(',').filter((o) => o !== '');
}

/** The configuration staff sign-in reads: lockouts, session lifetimes, allowed origins, production (secure cookies). */
export type StaffConfig = Pick<
  Config,
  | 'CTI_ENV'
  | 'CTI_STAFF_ORIGINS'
  | 'CTI_STAFF_LOCKOUT_ATTEMPTS'
  | 'CTI_STAFF_LOCKOUT_S'
  | 'CTI_STAFF_SESSION_IDLE_S'
  | 'CTI_STAFF_SESSION_MAX_S'
  | 'CTI_STAFF_ADDRESS_FAILURES'
  | 'CTI_STAFF_ADDRESS_WINDOW_S'
>;

/** What staff sign-in is built from. */
export interface StaffWiringDeps {
  repos: Pick<Repositories, 'staff' | 'staffSessions' | 'agents' | 'audit'>;
  config: StaffConfig;
  clock: Clock;
  hasher?: PasswordHasher;
  log?: StaffAuthLog;
}

/** Staff accounts and sessions wired on the database: the services, and what the registry and streams take. */
export interface StaffWiring {
  auth: StaffAuthService;
  admin: StaffAdminService;
  /** For buildApp: cookie sessions on every registry route. */
  sessionAuth: SessionAuth;
  /** For the agent WebSocket and the wallboard stream. */
  streamSessions: StreamSessions;
  /** The auth and staff admin routes. */
  features: RouteFeature[];
}

/** Wires staff sign-in (services/gateway/src/staff) for the gateway or the admin CLI. */
export function createStaffWiring(d: StaffWiringDeps): StaffWiring {
  const hasher = d.hasher ?? new ScryptPasswordHasher();
  const { staff: accounts, staffSessions: sessions, agents, audit } = d.repos;
  const auth = new StaffAuthService(accounts, sessions, hasher, audit, d.clock, staffAuthSettings(d.config), d.log);
  const admin = new StaffAdminService(accounts, sessions, agents, hasher, audit, d.clock);
  const production = d.config.CTI_ENV === 'production';
  const allowedOrigins = staffOrigins(d.config);
  return {
    auth,
    admin,
    sessionAuth: { authenticator: auth, production },
    streamSessions: { authenticator: auth, allowedOrigins },
    features: [(routes) => registerAuthRoutes(routes, auth, { production, allowedOrigins }), (routes) => registerStaffRoutes(routes, admin)],
  };
}
