import { readFile } from 'node:fs/promises';
import { CtiError, type AcdEngine } from '@cti/domain';
import { seatOfEndpoint } from '@cti/asterisk';

/** Where a browser phone's SIP password is kept (CTI_SEAT_SECRETS_FILE, written by render-asterisk). */
export interface SeatSecretSource {
  /** The endpoint's SIP password, or undefined when it has none. */
  find(endpoint: string): Promise<string | undefined>;
}

/** The seat secrets file, read on each request so a rotated password is handed out at once. */
export class SeatSecretsFile implements SeatSecretSource {
  constructor(private readonly path: string) {}

  async find(endpoint: string): Promise<string | undefined> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.path, 'utf8'));
    } catch (err) {
      throw new CtiError('CTI_ERR_UNAVAILABLE', `seat secrets unreadable (CTI_SEAT_SECRETS_FILE): ${(err as Error).message}`);
    }
    const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[endpoint] : undefined;
    return typeof value === 'string' ? value : undefined;
  }
}

/** What the desk page's JsSIP phone needs to register the browser phone of the agent's seat. */
export interface BrowserPhoneCredentials {
  /** Endpoint (and SIP user name), e.g. `seat-05-web`. */
  endpoint: string;
  seat: string;
  /** Asterisk's secure WebSocket, wss://host:port/ws. */
  wsUrl: string;
  sipUri: string;
  password: string;
}

/**
 * Hands an agent logged in with a browser phone the SIP credentials of that phone — theirs only while the seat is
 * theirs (the page registers with them; Asterisk admits the phone from CTI_SEAT_NETWORKS only).
 */
export class BrowserPhoneCredentialsService {
  constructor(
    private readonly acd: Pick<AcdEngine, 'findAgent'>,
    private readonly secrets: SeatSecretSource,
    private readonly wsUrl: string,
  ) {}

  async forAgent(agentId: string): Promise<BrowserPhoneCredentials> {
    const live = this.acd.findAgent(agentId);
    if (!live || live.state === 'logged_out') throw new CtiError('CTI_ERR_INVALID_STATE', `agent ${agentId} is not logged in`, { agentId });
    const { seat, phone } = seatOfEndpoint(live.seat);
    if (phone !== 'browser') throw new CtiError('CTI_ERR_INVALID_STATE', `agent ${agentId} takes calls on the desk phone of ${seat}, not in the browser`, { agentId, seat });
    return this.forEndpoint(live.seat);
  }

  /** The credentials of a browser phone endpoint (`seat-NN-web`), for whoever the caller decided may have them. */
  async forEndpoint(endpoint: string): Promise<BrowserPhoneCredentials> {
    const { seat } = seatOfEndpoint(endpoint);
    const password = await this.secrets.find(endpoint);
    if (!password) throw new CtiError('CTI_ERR_UNAVAILABLE', `no SIP password for ${endpoint} (CTI_SEAT_SECRETS_FILE)`, { endpoint });
    const host = new URL(this.wsUrl.replace(/^wss:/, 'https:')).hostname;
    return { endpoint, seat, wsUrl: this.wsUrl, sipUri: `sip:${endpoint}@${host}`, password };
  }
}
