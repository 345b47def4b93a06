import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RELAY_WIRE_CODES } from '../../../src/relay/errors.js';

describe('relay error codes', () => {
  it('are exactly the codes docs/protocol.md lists', async () => {
    const doc = await readFile(join(import.meta.dirname, '../../../docs/protocol.md'), 'utf8');
    const start = doc.indexOf('## Error codes');
    assert.ok(start >= 0, 'docs/protocol.md has an "Error codes" section');
    const next = doc.indexOf('\n## ', start + 1);
    const section = doc.slice(start, next < 0 ? undefined : next);
    const documented = new Set(section.match(/`E_[A-Z_]+`/g)?.map((c) => c.slice(1, -1)));
    assert.deepEqual([...documented].sort(), [...new Set(RELAY_WIRE_CODES)].sort());
  });
});
