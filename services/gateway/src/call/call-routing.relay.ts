/** What the relay passes routing requests to (the routing loop; CallService fits). */
export interface RoutingLoop {
  dispatch(): void;
}

/**
 * The routing loop for a service that must exist before it: the callback service, which the loop hands callback work
 * to and which asks the loop to route after its own changes. Bound once, in main.ts, when the loop is built; a request
 * before that is a wiring mistake and throws.
 */
export class CallRoutingRelay implements RoutingLoop {
  private loop: RoutingLoop | undefined;

  bind(loop: RoutingLoop): void {
    if (this.loop) throw new Error('the routing relay is bound already');
    this.loop = loop;
  }

  dispatch(): void {
    if (!this.loop) throw new Error('routing was asked for before the routing loop was built');
    this.loop.dispatch();
  }
}
