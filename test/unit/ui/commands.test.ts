import assert from 'node:assert/strict';
import {
  applyCompletion,
  commonPrefix,
  completionAt,
  parseInput,
} from '../../../src/peer/ui/commands.js';
import { Completer } from '../../../src/peer/ui/completer.js';
import { LineEditor } from '../../../src/peer/ui/input.js';
import { actionFor } from '../../../src/peer/ui/keys.js';
import type { KeyPress } from '../../../src/peer/ui/screen.js';

const ok = (line: string) => {
  const r = parseInput(line);
  assert.ok(r.ok, `${line}: ${r.ok ? '' : r.error}`);
  return r.command;
};
const err = (line: string) => {
  const r = parseInput(line);
  assert.ok(!r.ok, `${line} should be refused`);
  return r.error;
};

describe('ui commands: parsing the input line', () => {
  it('sends plain text, and //text as text starting with a slash', () => {
    assert.deepEqual(ok('hello /there'), { kind: 'say', text: 'hello /there' });
    assert.deepEqual(ok('//shrug'), { kind: 'say', text: '/shrug' });
    assert.match(err('   '), /nothing to send/);
  });

  it('parses every command with its arguments', () => {
    assert.deepEqual(ok('/msg bob'), { kind: 'msg', name: 'bob' });
    assert.deepEqual(ok('/msg bob hi there'), { kind: 'msg', name: 'bob', text: 'hi there' });
    assert.deepEqual(ok('/who'), { kind: 'who' });
    assert.deepEqual(ok('/status away at lunch'), {
      kind: 'status',
      status: 'away',
      text: 'at lunch',
    });
    assert.deepEqual(ok('/status BUSY'), { kind: 'status', status: 'busy' });
    assert.deepEqual(ok('/verify {bold}x{/bold}'), { kind: 'verify', name: '{bold}x{/bold}' });
    assert.deepEqual(ok('/trust bob'), { kind: 'trust', name: 'bob' });
    assert.deepEqual(ok('/search two words'), { kind: 'search', text: 'two words' });
    assert.deepEqual(ok('/help'), { kind: 'help' });
    assert.deepEqual(ok('/quit'), { kind: 'quit' });
  });

  it('takes the usual aliases', () => {
    assert.deepEqual(ok('/query bob'), { kind: 'msg', name: 'bob' });
    assert.deepEqual(ok('/exit'), { kind: 'quit' });
    assert.deepEqual(ok('/Q'), { kind: 'quit' });
  });

  it('refuses bad usage with the usage line', () => {
    assert.match(err('/msg'), /usage: \/msg NAME/);
    assert.match(err('/status sleeping'), /usage: \/status online\|away\|busy/);
    assert.match(err('/verify'), /usage: \/verify NAME/);
    assert.match(err('/trust a b'), /usage: \/trust NAME/);
    assert.match(err('/search   '), /usage: \/search TEXT/);
    assert.match(err('/frobnicate'), /unknown command \/frobnicate/);
  });
});

describe('ui commands: Tab completion', () => {
  const names = ['bob', 'Bobby', 'carol', '{bold}evil{/bold}'];

  it('completes command names', () => {
    const c = completionAt('/ve', 3, names);
    assert.deepEqual(c?.candidates, ['/verify']);
    assert.deepEqual(completionAt('/s', 2, names)?.candidates, ['/search', '/status']);
  });

  it('completes names after /msg, /verify and /trust, case-insensitively', () => {
    assert.deepEqual(completionAt('/msg b', 6, names)?.candidates, ['bob', 'Bobby']);
    assert.deepEqual(completionAt('/trust {', 8, names)?.candidates, ['{bold}evil{/bold}']);
    assert.deepEqual(completionAt('/verify C', 9, names)?.candidates, ['carol']);
    assert.equal(completionAt('/msg bob hi', 11, names), null, 'only the first argument');
  });

  it('completes statuses after /status, and a name in a message', () => {
    assert.deepEqual(completionAt('/status a', 9, names)?.candidates, ['away']);
    assert.deepEqual(completionAt('hi car', 6, names)?.candidates, ['carol']);
    assert.deepEqual(completionAt('hi @ev', 6, names)?.candidates, []);
    assert.deepEqual(completionAt('cc @car', 7, names)?.candidates, ['@carol']);
    assert.equal(completionAt('', 0, names), null);
  });

  it('finds the common prefix and applies a choice with a space', () => {
    assert.equal(commonPrefix(['bob', 'Bobby']), 'bob');
    assert.equal(commonPrefix(['/search', '/status']), '/s');
    const c = completionAt('/msg ca', 7, names)!;
    assert.deepEqual(applyCompletion('/msg ca', c, 'carol', true), {
      line: '/msg carol ',
      cursor: 11,
    });
  });

  it('completes a unique match at once and cycles through several on repeated Tab', () => {
    const e = new LineEditor();
    const completer = new Completer();
    e.insert('/msg c');
    assert.equal(completer.step(e, names, 1), null);
    assert.equal(e.text, '/msg carol ');

    e.set('/msg bo');
    const hint = completer.step(e, names, 1);
    assert.equal(e.text, '/msg bob', 'the common prefix first');
    assert.match(hint ?? '', /bob {2}Bobby/);
    completer.step(e, names, 1);
    assert.equal(e.text, '/msg bob');
    assert.ok(completer.active);
    completer.step(e, names, 1);
    assert.equal(e.text, '/msg Bobby');
    completer.step(e, names, -1);
    assert.equal(e.text, '/msg bob');
    completer.reset();
    assert.ok(!completer.active);
  });
});

describe('ui keys: bindings', () => {
  const key = (over: Partial<KeyPress>): KeyPress => ({
    name: undefined,
    ch: undefined,
    ctrl: false,
    meta: false,
    shift: false,
    ...over,
  });
  const idle = { inputEmpty: true, completing: false };
  const typing = { inputEmpty: false, completing: false };

  it('Tab switches conversations with empty input and completes while typing', () => {
    assert.deepEqual(actionFor(key({ name: 'tab' }), idle), { type: 'switch', delta: 1 });
    assert.deepEqual(actionFor(key({ name: 'tab', shift: true }), idle), {
      type: 'switch',
      delta: -1,
    });
    assert.deepEqual(actionFor(key({ name: 'tab' }), typing), { type: 'complete', direction: 1 });
    assert.deepEqual(
      actionFor(key({ name: 'tab', shift: true }), { inputEmpty: false, completing: true }),
      {
        type: 'complete',
        direction: -1,
      },
    );
  });

  it('Alt-digits pick a conversation; PageUp/PageDown scroll; Ctrl-C quits', () => {
    assert.deepEqual(actionFor(key({ name: '3', meta: true }), idle), {
      type: 'switch-to',
      index: 3,
    });
    assert.deepEqual(actionFor(key({ name: 'pageup' }), idle), { type: 'scroll', pages: 1 });
    assert.deepEqual(actionFor(key({ name: 'pagedown' }), idle), { type: 'scroll', pages: -1 });
    assert.deepEqual(actionFor(key({ name: 'c', ctrl: true }), idle), { type: 'quit' });
  });

  it('Enter submits, Ctrl-J and Alt-Enter add a line, printable keys insert', () => {
    assert.deepEqual(actionFor(key({ name: 'return', ch: '\r' }), typing), { type: 'submit' });
    assert.deepEqual(actionFor(key({ name: 'j', ctrl: true }), typing), { type: 'newline' });
    assert.deepEqual(actionFor(key({ name: 'return', meta: true }), typing), { type: 'newline' });
    assert.deepEqual(actionFor(key({ name: 'a', ch: 'a' }), typing), { type: 'insert', text: 'a' });
    assert.deepEqual(actionFor(key({ name: 'space', ch: ' ' }), typing), {
      type: 'insert',
      text: ' ',
    });
    assert.deepEqual(actionFor(key({ ch: '世' }), typing), { type: 'insert', text: '世' });
    assert.deepEqual(actionFor(key({ ch: '\x1b' }), typing), { type: 'none' });
  });
});
