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
  it('counts what every holder holds, and forgets a holder at 0', () => {
    const budget = new ByteBudget<Holder>(1000);
    const a = new Holder('a');
    const b = new Holder('b');
    budget.update(a, 300);
    budget.update(b, 200);
    budget.update(a, 100);
    assert.equal(budget.totalBytes, 300);
    budget.update(b, 0);
    assert.equal(budget.totalBytes, 100);
  });

  it('closes the largest holder with E_RELAY_OVERLOADED once the total passes the budget, and only as many as needed', () => {
    const budget = new ByteBudget<Holder>(1000);
    const small = new Holder('small');
    const mid = new Holder('mid');
    const big = new Holder('big');
    budget.update(small, 100);
    budget.update(big, 600);
    budget.update(mid, 400);
    assert.deepEqual(big.failed, ['E_RELAY_OVERLOADED']);
    assert.deepEqual(mid.failed, []);
    assert.deepEqual(small.failed, []);
    assert.equal(budget.totalBytes, 500);
    assert.equal(budget.shed, 1);
  });
});
