import assert from 'node:assert/strict';
import { GroupCommit } from '../../../src/util/group-commit.js';

/** A GroupCommit whose batches are written when the test says, each answered with its number. */
function fixture() {
  const batches: string[][] = [];
  const finish: Array<() => void> = [];
  const settled: Array<[string, number]> = [];
  const commits = new GroupCommit<string, number, string>(
    (ops) => {
      batches.push([...ops]);
      const n = batches.length;
      return new Promise<number>((resolve) => finish.push(() => resolve(n)));
    },
    setImmediate,
    { settle: (waiter, n) => settled.push([waiter, n]), failed: () => -1 },
  );
  return { commits, batches, finish, settled };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('util/group-commit', () => {
  it('tells each waiter the result of the batch its operation was written in, once', async () => {
    const { commits, batches, finish, settled } = fixture();
    commits.submitFor('a', 'wa');
    const first = commits.submit('b');
    await turn();
    assert.deepEqual(batches, [['a', 'b']]);
    commits.submitFor('c', 'wc'); // while the first batch is written: the next one
    finish[0]!();
    assert.equal(await first, 1);
    assert.deepEqual(settled, [['wa', 1]]);
    await turn();
    assert.deepEqual(batches, [['a', 'b'], ['c']]);
    finish[1]!();
    await commits.drain();
    assert.deepEqual(settled, [
      ['wa', 1],
      ['wc', 2],
    ]);
  });

  it('keeps a waiter out of a batch of promise submitters written before it', async () => {
    const { commits, batches, finish, settled } = fixture();
    const deletes = commits.submit('del');
    await turn();
    assert.deepEqual(batches, [['del']]);
    commits.submitFor('put', 'w'); // queued while the first batch (no waiters) is written
    finish[0]!();
    assert.equal(await deletes, 1);
    await turn();
    assert.deepEqual(settled, [], 'not told before its own batch is written');
    assert.deepEqual(batches, [['del'], ['put']]);
    finish[1]!();
    await commits.drain();
    assert.deepEqual(settled, [['w', 2]]);
  });

  it('tells waiters `failed` when a batch write throws, and goes on with the next', async () => {
    let calls = 0;
    const settled: Array<[string, number]> = [];
    const commits = new GroupCommit<string, number, string>(
      async () => {
        calls++;
        if (calls === 1) throw new Error('disk');
        return calls;
      },
      setImmediate,
      { settle: (waiter, n) => settled.push([waiter, n]), failed: () => -1 },
    );
    commits.submitFor('a', 'wa');
    await turn();
    commits.submitFor('b', 'wb');
    await commits.drain();
    assert.deepEqual(settled, [
      ['wa', -1],
      ['wb', 2],
    ]);
  });
});
