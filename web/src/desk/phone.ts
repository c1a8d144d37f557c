// The browser phone: JsSIP registered to the seat's WebRTC endpoint on Asterisk (SIP over a secure WebSocket,
// DTLS-SRTP media). It only rings, answers and carries audio; hold, mute and hang-up go through the gateway's call
// control like a desk phone's, so the call's records and the caller's hold music are the same either way.
import { reactive } from 'vue';
import type { UA } from 'jssip';
import { createSipUa, whileCurrent, type SipCredentials } from '@shared/sip-ua';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { IncomingRTCSessionEvent } from 'jssip/lib/UA';

/** SIP credentials of the seat's browser phone (GET /api/v1/agents/:id/phone). */
export type PhoneCredentials = SipCredentials;

/** Registration as the desk shows it. */
export type SipStatus = 'off' | 'connecting' | 'registered' | 'unregistered' | 'failed';

/** Audio counters of the call's peer connection (RTCPeerConnection.getStats()). */
export interface AudioStats {
  inboundBytes: number;
  outboundBytes: number;
  inboundPackets: number;
}

export class BrowserPhone {
  readonly state = reactive({ status: 'off' as SipStatus, detail: '', ringing: false, inCall: false, wsUrl: '', disconnects: 0 });
  private ua: UA | undefined;
  private session: RTCSession | undefined;
  private readonly audio = new Audio();
  /** The microphone for the ringing or current call: opened as it starts to ring, so answering does not wait for it. */
  private microphone: Promise<MediaStream> | undefined;
  private answering = false;
  /** Called when a call starts ringing in the browser. */
  onRing: (() => void) | undefined;
  /** Called when the browser's call ends (hung up by either side, or failed). */
  onEnded: (() => void) | undefined;
  /** Called on every registration change (the desk retries a refused registration with fresh credentials). */
  onStatus: ((status: SipStatus) => void) | undefined;

  constructor() {
    this.audio.autoplay = true;
  }

  start(c: PhoneCredentials): void {
    this.stop();
    this.state.status = 'connecting';
    this.state.detail = c.wsUrl;
    this.state.wsUrl = c.wsUrl;
    this.state.disconnects = 0;
    const ua = createSipUa(c, c.seat, 'cti12345-desk');
    const current = whileCurrent(ua, () => this.ua);
    ua.on('connecting', current(() => this.set('connecting', '正在连接')));
    ua.on('connected', current(() => this.set('connecting', '已连接，正在注册')));
    ua.on('disconnected', current(() => {
      this.state.disconnects++;
      this.set('connecting', '连接断开，正在重连');
    }));
    ua.on('registered', current(() => this.set('registered', c.endpoint)));
    ua.on('unregistered', current(() => this.set('unregistered', '未注册')));
    ua.on('registrationFailed', current((e: { cause?: string }) => this.set('failed', `注册失败：${e.cause ?? ''}`)));
    ua.on('newRTCSession', current((e: { originator: string; session: unknown }) => {
      if (e.originator !== 'remote') return;
      this.incoming((e as unknown as IncomingRTCSessionEvent).session);
    }));
    this.ua = ua;
    ua.start();
  }

  stop(): void {
    this.session?.terminate();
    this.session = undefined;
    this.ua?.stop();
    this.ua = undefined;
    this.state.status = 'off';
    this.state.ringing = false;
    this.state.inCall = false;
  }

  /** Answers the ringing call with the microphone (opened when the call began to ring). */
  async answer(): Promise<void> {
    const s = this.session;
    if (!s || !this.state.ringing || this.answering) return;
    this.answering = true;
    try {
      const mediaStream = await this.microphone;
      if (this.session === s && this.state.ringing) s.answer({ mediaStream, pcConfig: { iceServers: [] } });
    } finally {
      this.answering = false;
    }
  }

  /** Rejects a ringing call or ends the call in the browser (used only when the gateway cannot be asked to). */
  hangup(): void {
    this.session?.terminate();
  }

  /** DTMF in the audio (RFC 4733), e.g. for a partner's voice menu. */
  sendDtmf(tone: string): void {
    if (this.state.inCall) this.session?.sendDTMF(tone, { transportType: 'RFC2833' } as never);
  }

  async stats(): Promise<AudioStats> {
    const pc = this.session?.connection as RTCPeerConnection | undefined;
    const out: AudioStats = { inboundBytes: 0, outboundBytes: 0, inboundPackets: 0 };
    if (!pc) return out;
    (await pc.getStats()).forEach((r: { type: string; kind?: string; bytesReceived?: number; bytesSent?: number; packetsReceived?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out.inboundBytes += r.bytesReceived ?? 0;
        out.inboundPackets += r.packetsReceived ?? 0;
      }
      if (r.type === 'outbound-rtp' && r.kind === 'audio') out.outboundBytes += r.bytesSent ?? 0;
    });
    return out;
  }

  private set(status: SipStatus, detail: string): void {
    this.state.status = status;
    this.state.detail = detail;
    this.onStatus?.(status);
  }

  private incoming(session: RTCSession): void {
    if (this.session) {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    this.session = session;
    this.state.ringing = true;
    const mic = navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    this.microphone = mic;
    mic.catch(() => undefined);
    const play = (pc: RTCPeerConnection) => {
      pc.addEventListener('track', (e) => {
        this.audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        void this.audio.play().catch(() => undefined);
      });
    };
    if (session.connection) play(session.connection as RTCPeerConnection);
    else session.on('peerconnection', (e) => play(e.peerconnection as RTCPeerConnection));
    session.on('accepted', () => {
      this.state.ringing = false;
      this.state.inCall = true;
    });
    const ended = () => {
      if (this.session !== session) return;
      this.session = undefined;
      this.state.ringing = false;
      this.state.inCall = false;
      this.audio.srcObject = null;
      // Close the microphone with the call.
      void mic.then((m) => m.getTracks().forEach((t) => t.stop()), () => undefined);
      if (this.microphone === mic) this.microphone = undefined;
      this.onEnded?.();
    };
    session.on('ended', ended);
    session.on('failed', ended);
    this.onRing?.();
  }
}
