/** An in-memory socket pair: what one side writes, the other reads. For transport-free tests. */
import { Duplex } from 'node:stream';

export function duplexPair(): [Duplex, Duplex] {
  let a: Duplex;
  let b: Duplex;
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        peer().push(chunk);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
      destroy(err, callback) {
        const other = peer();
        if (!other.destroyed) other.destroy();
        callback(err);
      },
    });
  a = make(() => b);
  b = make(() => a);
  return [a, b];
}

/**
 * A pair with backpressure, as TCP has it: a side's write completes only once
 * the other side's reader has room, so while one end does not read (paused, or
 * no 'data' listener) the other end's write() returns false and its buffer stops
 * growing at `highWaterMark`. Reading again releases the writer ('drain').
 */
export function backpressuredPair(highWaterMark = 16 * 1024): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const held: ((() => void) | null)[] = [null, null];
  const make = (me: 0 | 1) => {
    const peer = me === 0 ? 1 : 0;
    return new Duplex({
      highWaterMark,
      read() {
        const release = held[peer];
        held[peer] = null;
        release?.();
      },
      write(chunk, _encoding, callback) {
        if (sides[peer]!.push(chunk)) callback();
        else held[me] = callback;
      },
      final(callback) {
        sides[peer]!.push(null);
        callback();
      },
      destroy(err, callback) {
        const other = sides[peer]!;
        if (!other.destroyed) other.destroy();
        callback(err);
      },
    });
  };
  sides.push(make(0), make(1));
  return [sides[0]!, sides[1]!];
}
