import type { Config } from '@cti/contracts';
import { seatName } from './asterisk-conf.render.js';

/** The phone an agent takes calls on at a seat: the seat's desk phone (SIP) or a browser phone (WebRTC) on the desk. */
export type SeatPhone = 'desk' | 'browser';

const BROWSER_SUFFIX = '-web';

/** The browser phone endpoint of a seat: `seat-05` → `seat-05-web`. */
export function browserPhoneName(seat: string): string {
  return `${seat}${BROWSER_SUFFIX}`;
}

/** The endpoint an agent at `seat` is rung on with `phone`. */
export function phoneEndpoint(seat: string, phone: SeatPhone): string {
  return phone === 'browser' ? browserPhoneName(seat) : seat;
}

/** The seat and phone kind of a seat endpoint (`seat-05-web` → seat-05, browser). */
export function seatOfEndpoint(endpoint: string): { seat: string; phone: SeatPhone } {
  return endpoint.endsWith(BROWSER_SUFFIX) ? { seat: endpoint.slice(0, -BROWSER_SUFFIX.length), phone: 'browser' } : { seat: endpoint, phone: 'desk' };
}

/** Whether browser phones are configured (Asterisk has a TLS certificate for their secure WebSocket). */
export function browserPhonesEnabled(config: Pick<Config, 'CTI_WEBRTC_CERT_FILE'>): boolean {
  return config.CTI_WEBRTC_CERT_FILE !== '';
}

/** The URL browsers open for SIP over a secure WebSocket (Asterisk's HTTP server, path /ws). */
export function browserPhoneUrl(config: Pick<Config, 'CTI_WEBRTC_WS_URL' | 'CTI_WEBRTC_BIND' | 'CTI_WEBRTC_PORT'>): string {
  return config.CTI_WEBRTC_WS_URL || `wss://${config.CTI_WEBRTC_BIND}:${config.CTI_WEBRTC_PORT}/ws`;
}

/** Every endpoint an agent can be rung on: each seat's desk phone and, when configured, its browser phone. */
export function seatEndpoints(config: Pick<Config, 'CTI_SEATS' | 'CTI_WEBRTC_CERT_FILE'>): string[] {
  const seats = Array.from({ length: config.CTI_SEATS }, (_, i) => seatName(i + 1));
  return browserPhonesEnabled(config) ? [...seats, ...seats.map(browserPhoneName)] : seats;
}

/** Endpoints that register with a password of their own: desk phones without a static contact, and browser phones. */
export function registeringEndpoints(config: Pick<Config, 'CTI_SEATS' | 'CTI_WEBRTC_CERT_FILE' | 'CTI_SEAT_CONTACT'>): string[] {
  const seats = Array.from({ length: config.CTI_SEATS }, (_, i) => seatName(i + 1));
  return [...(config.CTI_SEAT_CONTACT ? [] : seats), ...(browserPhonesEnabled(config) ? seats.map(browserPhoneName) : [])];
}
