import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadSettings, parseSaved } from '../../../src/cli/commands/chat.js';
import { ask } from '../../../src/peer/ui/prompt.js';

function io() {
  const input = new PassThrough();
  let out = '';
  return { input, output: { write: (s: string) => (out += s) }, out: () => out };
}

describe('ui prompts (before the screen opens)', () => {
  it('reads answers that arrive together, one per prompt', async () => {
    const p = io();
    p.input.write('alice\r\nsecret\n');
    assert.equal(await ask(p, 'name: '), 'alice');
    assert.equal(await ask(p, 'passphrase: ', { hidden: true }), 'secret');
    assert.equal(p.out(), 'name: passphrase: \n');
  });

  it('handles backspace, and cancels on Ctrl-C or end of input', async () => {
    const p = io();
    p.input.write('alx\x7fice\n');
    assert.equal(await ask(p, '> '), 'alice');
    p.input.write('\x03');
    await assert.rejects(ask(p, '> '), { code: 'E_CANCELLED' });
    const q = io();
    q.input.end();
    await assert.rejects(ask(q, '> '), { code: 'E_CANCELLED' });
  });

  it('turns raw mode on for a hidden answer on a terminal, and off again', async () => {
    const p = io();
    const modes: boolean[] = [];
    Object.assign(p.input, { isTTY: true, setRawMode: (raw: boolean) => modes.push(raw) });
    p.input.write('pw\r');
    assert.equal(await ask(p, 'passphrase: ', { hidden: true }), 'pw');
    assert.deepEqual(modes, [true, false]);
  });
});

describe('natter chat: ui.json and ui-state.json', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-ui-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('reads ui.json, lets flags win, and reports what it ignored', async () => {
    await writeFile(
      join(dir, 'ui.json'),
      JSON.stringify({ bell: false, autoAwayMinutes: 10, nope: 1 }),
    );
    const r = await loadSettings(dir, { autoAwayMinutes: 0 });
    assert.equal(r.settings.bell, false);
    assert.equal(r.settings.autoAwayMinutes, 0);
    assert.deepEqual(r.problems, ['ui settings: unknown key "nope"']);
  });

  it('uses the defaults without ui.json, and says so when it is not JSON', async () => {
    assert.deepEqual((await loadSettings(dir, {})).problems, []);
    await writeFile(join(dir, 'ui.json'), '{ not json');
    assert.deepEqual((await loadSettings(dir, {})).problems, [
      'ui.json is not valid JSON: ignored',
    ]);
  });

  it('keeps only well-formed conversations from a damaged ui-state.json', () => {
    assert.equal(parseSaved(null), undefined);
    assert.equal(parseSaved({ conversations: 'x' }), undefined);
    assert.deepEqual(
      parseSaved({
        conversations: [
          { id: '@bob', name: 'bob', unread: 2, mentioned: true },
          { id: '@x', name: 'has space', unread: 1 },
          { id: 3, name: 'carol' },
          { id: '@dave', name: 'dave', unread: -4 },
        ],
        active: '@bob',
      }),
      {
        conversations: [
          { id: '@bob', name: 'bob', unread: 2, mentioned: true },
          { id: '@dave', name: 'dave', unread: 0, mentioned: false },
        ],
        active: '@bob',
        closed: [],
      },
    );
  });

  it('keeps the closed conversations that are well formed, and none from a file before /close', () => {
    const team = `#${'ab'.repeat(16)}`;
    assert.deepEqual(
      parseSaved({
        conversations: [],
        active: null,
        closed: [{ id: '@bob', lastMs: 5 }, { id: team }, { id: '#nothex', lastMs: 1 }, 'x'],
      })?.closed,
      [
        { id: '@bob', lastMs: 5 },
        { id: team, lastMs: 0 },
      ],
    );
    assert.deepEqual(parseSaved({ conversations: [], active: null })?.closed, []);
  });

  it('keeps a group by its id, whatever its name, and drops a malformed group id', () => {
    const team = `#${'ab'.repeat(16)}`;
    assert.deepEqual(
      parseSaved({
        conversations: [
          { id: team, name: 'the team', unread: 3, mentioned: true },
          { id: '#nothex', name: 'x' },
          { id: `#${'cd'.repeat(16)}`, name: 'n'.repeat(257) },
        ],
        active: team,
      }),
      {
        conversations: [{ id: team, name: 'the team', unread: 3, mentioned: true }],
        active: team,
        closed: [],
      },
    );
  });
});
