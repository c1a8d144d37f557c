// The supervisor's browser phone: JsSIP registered to the browser phone (seat-NN-web) of the seat the console holds
// (POST /api/v1/supervisor/phone). The gateway rings it when the supervisor asks to monitor, whisper or barge; it
// answers by itself only while the console is expecting that ring, with the microphone (whisper and barge need it;
// monitor discards it), and plays what the snoop channel sends. Mode switches happen on the switch side (a new snoop
// into the same bridge), so the call stays up; stop is the gateway hanging it up.
import { reactive } from 'vue';
import type { UA } from 'jssip';
import { createSipUa, whileCurrent, type SipCredentials } from '@shared/sip-ua';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { IncomingRTCSessionEvent } from 'jssip/lib/UA';

/** What POST /api/v1/supervisor/phone hands the console. */
export interface ConsolePhoneCredentials extends SipCredentials {
  expiresAt: string;
}

export type ListenPhoneStatus = 'off' | 'connecting' | 'registered' | 'failed';

export class ListenPhone {
  readonly state = reactive({ status: 'off' as ListenPhoneStatus, detail: '', endpoint: '', wsUrl: '', inCall: false, muted: false, disconnects: 0 });
  private ua: UA | undefined;
  private session: RTCSession | undefined;
  private readonly audio = new Audio();
  /** True while the console waits for the gateway to ring this phone for a supervision it asked for. */
  expecting = false;
  /** Called when the supervision call ends on the phone (the gateway hung it up, or it failed). */
  onEnded: (() => void) | undefined;

  constructor() {
    this.audio.autoplay = true;
  }

  start(c: ConsolePhoneCredentials): void {
    this.stop();
    this.state.status = 'connecting';
    this.state.detail = '正在连接';
    this.state.endpoint = c.endpoint;
    this.state.wsUrl = c.wsUrl;
    this.state.disconnects = 0;
    const ua = createSipUa(c, `${c.seat} 班长监听`, 'cti12345-console');
    // A stopped UA still reports its unregistering and disconnecting afterwards: only the current one speaks.
    const mine = whileCurrent(ua, () => this.ua);
    ua.on('connected', mine(() => this.set('connecting', '已连接，正在注册')));
    ua.on(
      'disconnected',
      mine(() => {
        this.state.disconnects++;
        this.set('connecting', '连接断开，正在重连');
      }),
    );
    ua.on('registered', mine(() => this.set('registered', c.endpoint)));
    ua.on('unregistered', mine(() => this.set('connecting', '未注册')));
    ua.on('registrationFailed', mine((e: { cause?: string }) => this.set('failed', `注册失败：${e.cause ?? ''}`)));
    ua.on('newRTCSession', (e: { originator: string; session: unknown }) => {
      if (e.originator === 'remote') this.incoming((e as unknown as IncomingRTCSessionEvent).session);
    });
    this.ua = ua;
    ua.start();
  }

  stop(): void {
    this.session?.terminate();
    this.session = undefined;
    const ua = this.ua;
    this.ua = undefined;
    ua?.stop();
    Object.assign(this.state, { status: 'off', detail: '', inCall: false, muted: false });
  }

  /** Ends the supervision call on this side (when the gateway could not be asked to). */
  hangup(): void {
    this.session?.terminate();
  }

  /** Mutes or unmutes the microphone (what the agent, and in barge the caller, would hear). */
  setMuted(muted: boolean): void {
    if (!this.session) return;
    if (muted) this.session.mute({ audio: true });
    else this.session.unmute({ audio: true });
    this.state.muted = muted;
  }

  /** Audio bytes and packets received on the supervision call (RTCPeerConnection.getStats()). */
  async stats(): Promise<{ inboundBytes: number; inboundPackets: number }> {
    const pc = this.session?.connection as RTCPeerConnection | undefined;
    const out = { inboundBytes: 0, inboundPackets: 0 };
    if (!pc) return out;
    (await pc.getStats()).forEach((r: { type: string; kind?: string; bytesReceived?: number; packetsReceived?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out.inboundBytes += r.bytesReceived ?? 0;
        out.inboundPackets += r.packetsReceived ?? 0;
      }
    });
    return out;
  }

  private set(status: ListenPhoneStatus, detail: string): void {
    this.state.status = status;
    this.state.detail = detail;
  }

  private incoming(session: RTCSession): void {
    // Only the ring the console asked for is answered; anything else (a stray call to this seat) is refused.
    if (this.session || !this.expecting) {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    this.expecting = false;
    this.session = session;
    const play = (pc: RTCPeerConnection) =>
      pc.addEventListener('track', (e) => {
        this.audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        void this.audio.play().catch(() => undefined);
      });
    if (session.connection) play(session.connection as RTCPeerConnection);
    else session.on('peerconnection', (e) => play(e.peerconnection as RTCPeerConnection));
    const mic = navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    session.on('accepted', () => (this.state.inCall = true));
    const ended = () => {
      if (this.session !== session) return;
      this.session = undefined;
      this.state.inCall = false;
      this.state.muted = false;
      this.audio.srcObject = null;
      void mic.then((m) => m.getTracks().forEach((t) => t.stop()), () => undefined);
      this.onEnded?.();
    };
    session.on('ended', ended);
    session.on('failed', ended);
    mic.then(
      (mediaStream) => {
        if (this.session === session && !session.isEnded()) session.answer({ mediaStream, pcConfig: { iceServers: [] } });
      },
      () => {
        // No microphone (or refused): listen anyway; whisper and barge then carry silence.
        if (this.session === session && !session.isEnded()) session.answer({ mediaConstraints: { audio: false, video: false }, rtcOfferConstraints: { offerToReceiveAudio: true }, pcConfig: { iceServers: [] } } as never);
      },
    );
  }
}
