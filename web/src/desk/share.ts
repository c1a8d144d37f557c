// The desk and its pop-out intake window (a second screen) talk over a BroadcastChannel of the agent: the desk sends
// the call in hand whenever it changes (and on request), the pop-out says when it submitted the call's intake.
// Drafts themselves travel through localStorage (intake.ts), so either window can close without losing one.
import type { DeskCall } from './desk';

export type ShareMessage = { type: 'hello' } | { type: 'call'; call: DeskCall | null } | { type: 'submitted'; callId: string };

export function deskChannel(agentId: string): BroadcastChannel {
  return new BroadcastChannel(`cti-desk-${agentId}`);
}
