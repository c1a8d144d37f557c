/** An agent's ACD state, as the gateway names it. */
export type AgentState = 'logged_out' | 'ready' | 'reserved' | 'on_call' | 'wrap_up' | 'paused';
