// The agent's live feed (WebSocket /api/v1/agents/:id/events): offers, connected, ended, state changes. It reconnects
// by itself with a growing pause (1 s … 15 s), so a restarted gateway is picked up without a reload.
import { reactive } from 'vue';
import { socketUrl } from '@shared/api';

/** One event of the feed (see agent-events.feature.ts on the gateway). */
export interface FeedEvent {
  type: string;
  at: number;
  [key: string]: unknown;
}

export type FeedStatus = 'connecting' | 'open' | 'retrying' | 'refused';

export class AgentFeed {
  readonly state = reactive({ status: 'connecting' as FeedStatus, retryInS: 0, reconnects: 0 });
  private socket: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private stopped = false;

  constructor(
    private readonly agentId: string,
    private readonly onEvent: (e: FeedEvent) => void,
    /** The gateway refused the credential (4401) or the seat (4403): no retrying. */
    private readonly onRefused: (code: number) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close();
    this.socket = undefined;
  }

  private open(): void {
    this.state.status = this.state.reconnects ? 'retrying' : 'connecting';
    const ws = new WebSocket(socketUrl(`/agents/${encodeURIComponent(this.agentId)}/events`));
    this.socket = ws;
    ws.onmessage = (m) => {
      const e = JSON.parse(String(m.data)) as FeedEvent;
      if (e.type === 'hello') {
        this.attempt = 0;
        this.state.status = 'open';
      }
      this.onEvent(e);
    };
    ws.onclose = (c) => {
      if (this.socket !== ws || this.stopped) return;
      if (c.code === 4401 || c.code === 4403) {
        this.state.status = 'refused';
        this.onRefused(c.code);
        return;
      }
      const delayS = Math.min(15, 2 ** this.attempt++);
      this.state.status = 'retrying';
      this.state.retryInS = delayS;
      this.state.reconnects++;
      this.timer = setTimeout(() => this.open(), delayS * 1000);
    };
  }
}
