/**
 * The control socket is a boundary (issue 13 item 3): the group and outbox request
 * kinds added for `natter group` and `natter outbox` beside a running client check
 * their fields before anything runs, refusing with E_BAD_REQUEST.
 */
import assert from 'node:assert/strict';
import { MAX_CONTROL_GROUP_MEMBERS, parseGroupChange } from '../../../src/cli/control-groups.js';
import { type ControlTarget, controlDispatch } from '../../../src/cli/control-ops.js';
import { isNatterError } from '../../../src/util/errors.js';

const badRequest = (e: unknown) => isNatterError(e, 'E_BAD_REQUEST');

describe('control requests for groups and the outbox', () => {
  it('parses each group change and nothing else', () => {
    assert.deepEqual(parseGroupChange({ verb: 'create', name: 'team', members: ['a', 'b'] }), {
      verb: 'create',
      name: 'team',
      members: ['a', 'b'],
    });
    assert.deepEqual(parseGroupChange({ verb: 'promote', group: 'team', member: 'a', x: 1 }), {
      verb: 'promote',
      group: 'team',
      member: 'a',
    });
    assert.deepEqual(parseGroupChange({ verb: 'rename', group: 'team', newName: 'crew' }), {
      verb: 'rename',
      group: 'team',
      newName: 'crew',
    });
    assert.deepEqual(parseGroupChange({ verb: 'leave', group: 'team' }), {
      verb: 'leave',
      group: 'team',
    });
    // An empty name is the core's to refuse, in the words the command prints alone
    // (E_BAD_GROUP_NAME, E_UNKNOWN_GROUP), not the socket's E_BAD_REQUEST.
    assert.deepEqual(parseGroupChange({ verb: 'rename', group: '', newName: '' }), {
      verb: 'rename',
      group: '',
      newName: '',
    });
    assert.deepEqual(parseGroupChange({ verb: 'create', name: '', members: [] }), {
      verb: 'create',
      name: '',
      members: [],
    });
    for (const bad of [
      undefined,
      { verb: 'explode', group: 'team' },
      { verb: 'add', group: 'team' },
      { verb: 'add', group: 'team', member: 7 },
      { verb: 'rename', group: 5, newName: 'x' },
      { verb: 'create', name: 'team', members: 'a,b' },
      { verb: 'create', name: 'team', members: [1] },
      { verb: 'create', name: 'team', members: Array(MAX_CONTROL_GROUP_MEMBERS + 1).fill('a') },
    ]) {
      assert.throws(() => parseGroupChange(bad), badRequest, JSON.stringify(bad)?.slice(0, 80));
    }
  });

  it('refuses an outbox cancel with neither an id nor all, before touching the client', async () => {
    const untouchable = new Proxy({} as ControlTarget, {
      get: () => assert.fail('the client was used'),
    });
    const dispatch = controlDispatch(untouchable);
    const session = { write: () => undefined, onClose: () => undefined };
    await assert.rejects(dispatch({ op: 'outbox.cancel' }, session), badRequest);
    await assert.rejects(dispatch({ op: 'outbox.cancel', ref: 5 }, session), badRequest);
    await assert.rejects(
      dispatch({ op: 'group.change', change: { verb: 'x' } }, session),
      badRequest,
    );
    await assert.rejects(dispatch({ op: 'group.show' }, session), badRequest);
  });
});
