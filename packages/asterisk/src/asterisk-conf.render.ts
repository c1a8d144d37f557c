import { PARTNER_LINES } from '@cti/domain';
import { asteriskValueProblem, type Config } from '@cti/contracts';
import { browserPhoneName, browserPhonesEnabled } from './seat-phone.js';

/** Values substituted for `{{NAME}}` placeholders in asterisk-conf/ templates. */
export type TemplateVars = Record<string, string>;

/** SIP password of each registering seat by endpoint name (`seat-01` → secret); see seat-secrets.store.ts. */
export type SeatSecrets = Readonly<Record<string, string>>;

/**
 * Config validation already refuses such values; this second check keeps a value that slipped past it (a new
 * placeholder, a hand-edited secrets file) from reaching Asterisk as an extra line, comment or section.
 */
function confValue(what: string, value: string): string {
  const problem = asteriskValueProblem(value);
  if (problem) throw new Error(`${what} ${problem}`);
  return value;
}

/** Seat endpoint names, `seat-01` … (two digits at least so they sort). */
export function seatName(n: number): string {
  return `seat-${String(n).padStart(2, '0')}`;
}

function hostOf(hostPort: string): string {
  return hostPort.split(':')[0] ?? hostPort;
}

/** The Stasis application names the gateway registers: `<app>-0` … when sharded, else `<app>`. */
export function ariAppNames(config: Pick<Config, 'CTI_ARI_APP' | 'CTI_ARI_APP_SHARDS'>): string[] {
  const n = config.CTI_ARI_APP_SHARDS;
  return n <= 1 ? [config.CTI_ARI_APP] : Array.from({ length: n }, (_, i) => `${config.CTI_ARI_APP}-${i}`);
}

/** Milliseconds between a caller's Stasis() tries while no gateway has the application registered (Wait(0.25) in extensions.conf). */
export const STASIS_RETRY_STEP_MS = 250;

/** The placeholder values for one Asterisk instance rooted at `instanceRoot` (a path inside Asterisk's filesystem). */
export function templateVars(config: Config, instanceRoot: string): TemplateVars {
  const ari = new URL(config.CTI_ARI_URL);
  return {
    INSTANCE_ROOT: instanceRoot,
    ARI_PORT: ari.port || '8088',
    ARI_USER: config.CTI_ARI_USER,
    ARI_PASSWORD: config.CTI_ARI_PASSWORD,
    ARI_APP: config.CTI_ARI_APP,
    // The dialplan picks one of the applications at random per call.
    ARI_STASIS_APP: config.CTI_ARI_APP_SHARDS <= 1 ? config.CTI_ARI_APP : `${config.CTI_ARI_APP}-\${RAND(0,${config.CTI_ARI_APP_SHARDS - 1})}`,
    AMI_PORT: String(config.CTI_AMI_PORT),
    ASTERISK_NODE: config.CTI_ASTERISK_NODE,
    AMI_USER: config.CTI_AMI_USER,
    AMI_PASSWORD: config.CTI_AMI_PASSWORD,
    RTP_START: String(config.CTI_RTP_START),
    RTP_END: String(config.CTI_RTP_END),
    RING_TIMEOUT: String(config.CTI_RING_TIMEOUT_S),
    RTP_TIMEOUT: String(config.CTI_RTP_TIMEOUT_S),
    RTP_TIMEOUT_HOLD: String(config.CTI_RTP_TIMEOUT_HOLD_S),
    SIP_SESSION_EXPIRES: String(config.CTI_SIP_SESSION_EXPIRES_S),
    GW_HEARTBEAT_STALE: String(config.CTI_GW_HEARTBEAT_STALE_S),
    // Tries after the first failed Stasis(), a quarter second apart (extensions.conf [cti-inbound]).
    STASIS_RETRIES: String(Math.ceil(config.CTI_STASIS_RETRY_MS / STASIS_RETRY_STEP_MS)),
    RATING_PROMPT: config.CTI_RATING_PROMPT,
    RATING_THANKS: config.CTI_RATING_THANKS,
    RATING_WAIT: String(config.CTI_RATING_WAIT_S),
    SIP_BIND: config.CTI_SIP_BIND,
    SIP_PORT: String(config.CTI_SIP_PORT),
    TRUNK_PRIMARY: config.CTI_TRUNK_PRIMARY,
    TRUNK_PRIMARY_HOST: hostOf(config.CTI_TRUNK_PRIMARY),
    TRUNK_BACKUP: config.CTI_TRUNK_BACKUP,
    TRUNK_BACKUP_HOST: hostOf(config.CTI_TRUNK_BACKUP),
  };
}

/** pjsip ACL lines admitting requests (and registered contacts) only from `networks`. */
function aclLines(networks: readonly string[], contacts: boolean): string {
  const lines = ['deny = 0.0.0.0/0.0.0.0', ...networks.map((n) => `permit = ${n}`)];
  if (contacts) lines.push('contact_deny = 0.0.0.0/0.0.0.0', ...networks.map((n) => `contact_permit = ${n}`));
  return lines.join('\n');
}

/** OPTIONS qualify of a seat's AOR, so a seat that vanished shows Unreachable (and gets no offers) instead of NonQual. */
function seatQualify(config: Config): string {
  const every = config.CTI_SEAT_QUALIFY_S;
  return every > 0 ? `qualify_frequency = ${every}\nqualify_timeout = ${Math.min(3, every)}.0\n` : '';
}

function seatBlocks(config: Config, secrets: SeatSecrets): string {
  const blocks: string[] = [];
  for (let n = 1; n <= config.CTI_SEATS; n++) {
    const name = seatName(n);
    if (config.CTI_SEAT_CONTACT) {
      const contact = config.CTI_SEAT_CONTACT.replaceAll('{n}', String(n)).replaceAll(
        '{port}',
        String(config.CTI_SEAT_BASE_PORT + n),
      );
      blocks.push(`[${name}](seat-defaults)\naors = ${name}\n\n[${name}]\ntype = aor\ncontact = ${confValue('CTI_SEAT_CONTACT', contact)}\n${seatQualify(config)}`);
    } else {
      blocks.push(
        `[${name}](seat-defaults)\naors = ${name}\nauth = ${name}\n\n[${name}]\ntype = auth\nauth_type = userpass\n` +
          `username = ${name}\npassword = ${seatSecret(secrets, name)}\n\n[${name}]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\n${seatQualify(config)}`,
      );
    }
  }
  return blocks.join('\n');
}

function seatSecret(secrets: SeatSecrets, name: string): string {
  const secret = secrets[name];
  if (!secret) throw new Error(`no SIP password for registering seat ${name} (CTI_SEAT_SECRETS_FILE)`);
  return confValue(`the SIP password of ${name} (CTI_SEAT_SECRETS_FILE)`, secret);
}

// Every partner line gets a SIP endpoint of its own, in PARTNER_LINES order (port CTI_PARTNER_BASE_PORT + index).
// Partners are only called out to: identify_by = ip (trunk-defaults) without an identify section means no request
// is ever taken as coming from one, and the ACL admits in-dialog requests (BYE) from the partner host only.
function partnerBlocks(config: Config): string {
  return PARTNER_LINES.map((key, i) => {
    const name = `partner-${key}`;
    const contact = `sip:${key}@${config.CTI_PARTNER_HOST}:${config.CTI_PARTNER_BASE_PORT + i}`;
    return (
      `[${name}](trunk-defaults)\ncontext = from-partner\naors = ${name}\n${aclLines([`${config.CTI_PARTNER_HOST}/32`], false)}\n\n` +
      `[${name}]\ntype = aor\ncontact = ${contact}\n`
    );
  }).join('\n');
}

/** Where the renderer puts Asterisk's TLS certificate and key for browser phones, inside the instance's etc/. */
export const WEBRTC_CERT_PATHS = { cert: 'keys/webrtc.crt', key: 'keys/webrtc.key' } as const;

/** http.conf: the TLS listener browser phones open their secure WebSocket (/ws) on. */
function webrtcTls(config: Config, instanceRoot: string): string {
  if (!browserPhonesEnabled(config)) return '';
  return [
    'tlsenable = yes',
    `tlsbindaddr = ${confValue('CTI_WEBRTC_BIND', config.CTI_WEBRTC_BIND)}:${config.CTI_WEBRTC_PORT}`,
    `tlscertfile = ${confValue('the instance root', instanceRoot)}/etc/${WEBRTC_CERT_PATHS.cert}`,
    `tlsprivatekey = ${instanceRoot}/etc/${WEBRTC_CERT_PATHS.key}`,
  ].join('\n');
}

/**
 * pjsip.conf: the secure WebSocket transport and one browser phone per seat (`seat-NN-web`, webrtc = yes: DTLS-SRTP,
 * ICE, AVPF, rtcp-mux), registering with a password of its own from CTI_SEAT_SECRETS_FILE and admitted only from
 * CTI_SEAT_NETWORKS. The registered contact is the WebSocket connection itself, so there is no contact ACL to check.
 */
function browserPhoneBlocks(config: Config, secrets: SeatSecrets): string {
  if (!browserPhonesEnabled(config)) return '';
  const blocks = [
    '[transport-wss]\ntype = transport\nprotocol = wss\nbind = 0.0.0.0\n',
    `[browser-phone-defaults](!)\ntype = endpoint\ntransport = transport-wss\nwebrtc = yes\ndtls_auto_generate_cert = yes\n` +
      `identify_by = username\n${aclLines(config.CTI_SEAT_NETWORKS.split(','), false)}\ncontext = from-seat\ndisallow = all\nallow = ulaw,alaw\n` +
      `direct_media = no\ndtmf_mode = rfc4733\nrtp_timeout = ${config.CTI_RTP_TIMEOUT_S}\nrtp_timeout_hold = ${config.CTI_RTP_TIMEOUT_HOLD_S}\n` +
      `timers = yes\ntimers_sess_expires = ${config.CTI_SIP_SESSION_EXPIRES_S}\n`,
  ];
  for (let n = 1; n <= config.CTI_SEATS; n++) {
    const name = browserPhoneName(seatName(n));
    blocks.push(
      `[${name}](browser-phone-defaults)\naors = ${name}\nauth = ${name}\n\n[${name}]\ntype = auth\nauth_type = userpass\n` +
        `username = ${name}\npassword = ${seatSecret(secrets, name)}\n\n[${name}]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\n${seatQualify(config)}`,
    );
  }
  return blocks.join('\n');
}

function queueMembers(config: Config): string {
  const lines: string[] = [];
  for (let n = 1; n <= config.CTI_SEATS; n++) lines.push(`member => PJSIP/${seatName(n)}`);
  // An agent answering in the browser gets the fallback queue's calls there too.
  if (browserPhonesEnabled(config)) for (let n = 1; n <= config.CTI_SEATS; n++) lines.push(`member => PJSIP/${browserPhoneName(seatName(n))}`);
  return lines.join('\n');
}

/**
 * Renders every template: `{{NAME}}` placeholders from `vars`, and the generated blocks
 * (`;@SEATS@`, `;@SEAT_ACL@`, `;@PARTNERS@`, `;@QUEUE_MEMBERS@`, `;@WEBRTC_TLS@`, `;@BROWSER_PHONES@`). An unknown placeholder is an error,
 * so a typo never reaches Asterisk as a literal. `seatSecrets` holds the passwords of registering seats
 * (desk phones when CTI_SEAT_CONTACT is empty, browser phones when CTI_WEBRTC_CERT_FILE is set). Values are inserted literally: no `$&`-style replacement
 * pattern of String.replace applies to them.
 */
export function renderAsteriskConf(
  templates: Record<string, string>,
  config: Config,
  instanceRoot: string,
  seatSecrets: SeatSecrets = {},
): Record<string, string> {
  const vars = templateVars(config, instanceRoot);
  const generated: Record<string, string> = {
    ';@SEATS@': seatBlocks(config, seatSecrets),
    ';@SEAT_ACL@': aclLines(config.CTI_SEAT_NETWORKS.split(','), true),
    ';@PARTNERS@': partnerBlocks(config),
    ';@QUEUE_MEMBERS@': queueMembers(config),
    ';@WEBRTC_TLS@': webrtcTls(config, instanceRoot),
    ';@BROWSER_PHONES@': browserPhoneBlocks(config, seatSecrets),
  };
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(templates)) {
    let rendered = text.replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new Error(`asterisk-conf/${file}: unknown placeholder {{${name}}}`);
      return confValue(`asterisk-conf/${file}: {{${name}}}`, value);
    });
    for (const [marker, block] of Object.entries(generated)) rendered = rendered.split(marker).join(block);
    out[file] = rendered;
  }
  return out;
}
