/**
 * A tiny typed event emitter: one payload per event, names checked against an
 * event map, `on` returns its own unsubscribe function. Unlike EventEmitter, a
 * throwing listener neither stops the other listeners nor unwinds into the
 * emitter (a datagram handler half-way through its work); its error goes to
 * `listenerFailed`, which owners override to log.
 */
type Listener<P> = (payload: P) => void;

export class TypedEmitter<M extends { [K in keyof M]: unknown }> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  on<K extends keyof M & string>(event: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  once<K extends keyof M & string>(event: K, listener: Listener<M[K]>): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof M & string>(event: K, listener: Listener<M[K]>): void {
    this.listeners.get(event)?.delete(listener);
  }

  protected emit<K extends keyof M & string>(event: K, payload: M[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set] as Listener<M[K]>[]) {
      try {
        listener(payload);
      } catch (err) {
        this.listenerFailed(event, err);
      }
    }
  }

  protected listenerFailed(_event: string, _err: unknown): void {}
}
