// The browser phone's JsSIP user agent, as the desk and the console's listen phone both make it: registered over
// Asterisk's secure WebSocket, session timers on, JsSIP reconnecting the WebSocket (and registering again) by itself.
import { UA, WebSocketInterface } from 'jssip';

/** What the gateway hands a browser phone (desk: POST /agents/:id/browser-phone; console: POST /supervisor/phone). */
export interface SipCredentials {
  endpoint: string;
  seat: string;
  wsUrl: string;
  sipUri: string;
  password: string;
}

/** A registering UA for `c`, with the display name and User-Agent header of the page that uses it. */
export function createSipUa(c: SipCredentials, displayName: string, userAgent: string): UA {
  return new UA({
    sockets: [new WebSocketInterface(c.wsUrl)],
    uri: c.sipUri,
    authorization_user: c.endpoint,
    password: c.password,
    display_name: displayName,
    register: true,
    register_expires: 300,
    session_timers: true,
    // JsSIP reconnects the WebSocket (and registers again) by itself, backing off up to this many seconds.
    connection_recovery_min_interval: 2,
    connection_recovery_max_interval: 20,
    user_agent: userAgent,
  });
}

/**
 * Wraps event handlers of `ua` so they run only while `ua` is still `current()`: a stopped UA still finishes what it
 * had under way (a REGISTER answered late, its WebSocket closing) and emits events for it. (Seen on a loaded host: a
 * replaced UA reported 'disconnected' after its successor had registered, and the desk showed 连接中 for good.)
 */
export function whileCurrent(ua: UA, current: () => UA | undefined) {
  return <A extends unknown[]>(f: (...args: A) => void) =>
    (...args: A): void => {
      if (current() === ua) f(...args);
    };
}
