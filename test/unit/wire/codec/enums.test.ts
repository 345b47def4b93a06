import assert from 'node:assert/strict';
import { ACK_TABLE, PRESENCE_TABLE, STATUS_TABLE } from '../../../../src/wire/codec/enums.js';
import { natter as pb } from '../../../../src/wire/gen/natter.js';

/** A generated enum as domain names by wire number: ACK_UNKNOWN_RECIPIENT = 1 -> [1] 'unknown-recipient'. */
function byNumber(generated: object, prefix: string): string[] {
  const out: string[] = [];
  for (const [name, n] of Object.entries(generated)) {
    assert.ok(name.startsWith(prefix), `${name} does not start with ${prefix}`);
    assert.ok(Number.isInteger(n), `${name} is not a wire number`);
    out[n] = name.slice(prefix.length).toLowerCase().replaceAll('_', '-');
  }
  return out;
}

describe('wire/codec: enum tables', () => {
  it('hold every status at its wire number', () => {
    assert.deepEqual([...STATUS_TABLE], byNumber(pb.Status, 'STATUS_'));
  });

  it('hold every ack code at its wire number', () => {
    assert.deepEqual([...ACK_TABLE], byNumber(pb.AckCode, 'ACK_'));
  });

  it('hold every presence kind at its wire number', () => {
    assert.deepEqual([...PRESENCE_TABLE], byNumber(pb.PresenceKind, 'PRESENCE_'));
  });
});
