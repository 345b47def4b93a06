import assert from 'node:assert/strict';
import { ByteBudget } from '../../../src/relay/budget.js';

class Holder {
  failed: string[] = [];
  constructor(readonly name: string) {}
  fail(code: string): void {
    this.failed.push(code);
  }
}

describe('relay byte budget', () => {
  it('counts what every holder holds through its share, and nothing of a released one', () => {
    const budget = new ByteBudget<Holder>(1000);
    const a = budget.share(new Holder('a'));
    const b = budget.share(new Holder('b'));
    budget.update(a, 300);
    budget.update(b, 200);
    budget.update(a, 100);
    assert.equal(budget.totalBytes, 300);
    assert.deepEqual([a.bytes, b.bytes], [100, 200]);
    budget.update(b, 0);
    assert.equal(budget.totalBytes, 100);
    budget.update(b, 50);
    budget.release(b);
    assert.equal(budget.totalBytes, 100);
    // A released holder's later reports (a closing socket's last write) count for nothing.
    budget.update(b, 5_000);
    assert.equal(budget.totalBytes, 100);
    assert.deepEqual(b.holder.failed, []);
    budget.release(b);
    assert.equal(budget.totalBytes, 100);
  });

  it('closes the largest holder with E_RELAY_OVERLOADED once the total passes the budget, and only as many as needed', () => {
    const budget = new ByteBudget<Holder>(1000);
    const small = budget.share(new Holder('small'));
    const mid = budget.share(new Holder('mid'));
    const big = budget.share(new Holder('big'));
    budget.update(small, 100);
    budget.update(big, 600);
    budget.update(mid, 400);
    assert.deepEqual(big.holder.failed, ['E_RELAY_OVERLOADED']);
    assert.deepEqual(mid.holder.failed, []);
    assert.deepEqual(small.holder.failed, []);
    assert.equal(budget.totalBytes, 500);
    assert.equal(budget.shed, 1);
    // The shed holder no longer counts, whatever it reports while it closes.
    budget.update(big, 900);
    assert.equal(budget.totalBytes, 500);
  });
});
