import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  COMMAND_LIST,
  COMMANDS,
  type CommandTable,
  commandNamed,
  parseInput,
} from '../../../src/peer/ui/commands/index.js';
import type { SlashCommand } from '../../../src/peer/ui/commands/types.js';
import { Completer } from '../../../src/peer/ui/completer.js';
import { applyCompletion, commonPrefix, completionAt } from '../../../src/peer/ui/completion.js';
import { LineEditor } from '../../../src/peer/ui/input.js';
import { actionFor } from '../../../src/peer/ui/keys.js';
import { helpPanel } from '../../../src/peer/ui/panels.js';
import { type KeyPress, keyPressOf } from '../../../src/peer/ui/screen.js';
import { DEFAULT_SETTINGS } from '../../../src/peer/ui/settings.js';

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

  it('sends input of more than one line as typed, never as a command', () => {
    const log = '/var/log/syslog shows:\nkernel: oops';
    assert.deepEqual(ok(log), { kind: 'say', text: log });
    assert.deepEqual(ok('/msg carol\nhello there'), {
      kind: 'say',
      text: '/msg carol\nhello there',
    });
    assert.deepEqual(ok('//a\nb'), { kind: 'say', text: '//a\nb' });
    assert.deepEqual(ok('/who\n'), { kind: 'who' }, 'a trailing line break adds no line');
    assert.match(err(' \n \n'), /nothing to send/);
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
    assert.deepEqual(ok('/open 12'), { kind: 'open', hit: 12 });
    assert.deepEqual(ok('/close'), { kind: 'close' });
    assert.deepEqual(ok('/accept-relay-key'), { kind: 'accept-relay-key' });
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
    assert.match(err('/open two'), /usage: \/open N/);
    assert.match(err('/open 0'), /usage: \/open N/);
    assert.match(err('/close bob'), /usage: \/close/);
    assert.match(err('/frobnicate'), /unknown command \/frobnicate/);
  });

  it('suggests the command meant for a mistyped one, as the command line does for sned', () => {
    assert.equal(err('/mgs bob'), 'unknown command /mgs: did you mean /msg? (/help lists them)');
    assert.match(err('/hepl'), /did you mean \/help\?/);
    assert.match(err('/membres'), /did you mean \/members\?/);
    assert.match(err('/promte bob'), /did you mean \/promote\?/);
    assert.equal(err('/frobnicate'), 'unknown command /frobnicate (try /help)', 'no wild guess');
    assert.equal(err('/x'), 'unknown command /x (try /help)');
  });
});

describe('ui commands: one table for help, completion and dispatch', () => {
  it('names the profile settings in /help, keep-history among them', () => {
    const text = helpPanel(COMMAND_LIST, DEFAULT_SETTINGS)
      .lines.map((l) => l.map((s) => s.text).join(''))
      .join('\n');
    assert.match(
      text,
      /natter config get \(download-dir, auto-accept, max-incoming, keep-history\)/,
    );
    assert.match(text, /natter config set keep-history 90d/);
  });

  it('names every key in /help whole, Alt-Enter included', () => {
    const text = helpPanel(COMMAND_LIST, DEFAULT_SETTINGS).lines.map((l) =>
      l.map((s) => s.text).join(''),
    );
    const keys = text.slice(text.indexOf('Keys') + 1, text.indexOf('Sidebar') - 1);
    assert.ok(
      keys.some((l) => /^ {2}Ctrl-J, Alt-Enter {2,}new line/.test(l)),
      keys.join('\n'),
    );
    for (const l of keys) assert.doesNotMatch(l, /…/);
  });

  it('lists every command in /help, in the table order, with its usage and summary', () => {
    const text = helpPanel(COMMAND_LIST, DEFAULT_SETTINGS).lines.map((l) =>
      l.map((s) => s.text).join(''),
    );
    const listed = text.filter((l) => l.startsWith('  /')).map((l) => l.trim().split(/\s+/)[0]);
    assert.deepEqual(listed, [
      '/msg',
      '/close',
      '/who',
      '/status',
      '/verify',
      '/trust',
      '/block',
      '/unblock',
      '/group',
      '/invite',
      '/kick',
      '/promote',
      '/demote',
      '/members',
      '/rename',
      '/leave',
      '/send',
      '/accept',
      '/decline',
      '/cancel',
      '/files',
      '/search',
      '/open',
      '/expand',
      '/collapse',

      '/delete-history',
      '/accept-relay-key',
      '/help',
      '/quit',
    ]);
    for (const c of COMMAND_LIST) {
      assert.ok(
        text.some((l) => l.includes(c.usage) && l.includes(c.summary)),
        `${c.name} in the help`,
      );
    }
  });

  it("is in docs/chat.md's commands table, every one /help lists, with its usage and aliases", async () => {
    const doc = await readFile(join(import.meta.dirname, '../../../docs/chat.md'), 'utf8');
    const start = doc.indexOf('## Commands');
    assert.ok(start >= 0, 'docs/chat.md has a "Commands" section');
    const next = doc.indexOf('\n## ', start + 1);
    // The first cell of each row: `/usage` and `(/alias, ...)`, with \| as |.
    const cells = doc
      .slice(start, next < 0 ? undefined : next)
      .split('\n')
      .filter((l) => l.startsWith('| `/'))
      .map((l) => (l.split(/(?<!\\)\|/)[1] ?? '').replaceAll('\\|', '|').trim());
    for (const c of COMMAND_LIST) {
      const row = cells.find((cell) => cell.startsWith(`\`${c.usage}\``));
      assert.ok(row !== undefined, `${c.usage} in docs/chat.md`);
      for (const alias of c.aliases ?? []) assert.ok(row.includes(`\`/${alias}\``), `/${alias}`);
    }
    assert.equal(cells.length, COMMAND_LIST.length, 'no row for a command /help does not list');
  });

  it('files each command under its own name, and finds it by any alias', () => {
    for (const [name, c] of Object.entries(COMMANDS)) assert.equal(c.name, name);
    for (const c of COMMAND_LIST) {
      for (const spelling of [c.name, ...(c.aliases ?? [])])
        assert.equal(commandNamed(spelling.toUpperCase())?.name, c.name, spelling);
    }
    assert.equal(commandNamed('frobnicate'), undefined);
  });

  it('answers arguments a command cannot take with that command’s usage line', () => {
    for (const c of COMMAND_LIST) {
      const r = parseInput(`/${c.name} a b c`);
      if (!r.ok) assert.equal(r.error, `usage: ${c.usage}`);
      else assert.equal(r.command.kind, c.name);
    }
  });

  it('is typed: a command missing from the table, or an entry without its pieces, does not compile', () => {
    const { msg, who, status, verify, trust, search, help } = COMMANDS;
    // @ts-expect-error: /quit is missing
    const missing: CommandTable = { msg, who, status, verify, trust, search, help };
    // @ts-expect-error: /who filed under /quit's name
    const misfiled: CommandTable = { ...COMMANDS, quit: who };
    // @ts-expect-error: no summary
    const incomplete: SlashCommand<'who'> = {
      name: 'who',
      usage: '/who',
      parse: () => ({ kind: 'who' }),
      run: () => undefined,
    };
    const wrongArgs: SlashCommand<'trust'> = {
      ...COMMANDS.trust,
      // @ts-expect-error: parse() must produce this command's arguments (a name)
      parse: () => ({ kind: 'trust' }),
    };
    assert.ok([missing, misfiled, incomplete, wrongArgs].every((t) => t !== undefined));
  });
});

describe('ui commands: Tab completion', () => {
  const names = ['bob', 'Bobby', 'carol', '{bold}evil{/bold}'];

  it('completes command names', () => {
    const c = completionAt('/ve', 3, names);
    assert.deepEqual(c?.candidates, ['/verify']);
    assert.deepEqual(completionAt('/s', 2, names)?.candidates, ['/search', '/send', '/status']);
  });

  it('completes names after /msg, /verify and /trust, case-insensitively', () => {
    assert.deepEqual(completionAt('/msg b', 6, names)?.candidates, ['bob', 'Bobby']);
    assert.deepEqual(completionAt('/trust {', 8, names)?.candidates, ['{bold}evil{/bold}']);
    assert.deepEqual(completionAt('/verify C', 9, names)?.candidates, ['carol']);
    assert.equal(completionAt('/msg bob hi', 11, names), null, 'only the first argument');
  });

  it('completes command names after /help, and aliases like the command they name', () => {
    assert.deepEqual(completionAt('/help s', 7, names)?.candidates, ['search', 'send', 'status']);
    assert.deepEqual(completionAt('/query ca', 9, names)?.candidates, ['carol']);
    assert.equal(completionAt('/who b', 6, names), null, '/who takes no argument');
  });

  it('completes statuses after /status, and a name in a message', () => {
    assert.deepEqual(completionAt('/status a', 9, names)?.candidates, ['away']);
    assert.deepEqual(completionAt('hi car', 6, names)?.candidates, ['carol']);
    assert.deepEqual(completionAt('hi @ev', 6, names)?.candidates, []);
    assert.deepEqual(completionAt('cc @car', 7, names)?.candidates, ['@carol']);
    assert.equal(completionAt('', 0, names), null);
  });

  it('offers no command in input of several lines: Tab completes a name there, as in a message', () => {
    assert.deepEqual(completionAt('/s\nmore', 2, names)?.candidates, []);
    assert.deepEqual(completionAt('/msg b\nhi', 6, names)?.candidates, ['bob', 'Bobby']);
    assert.deepEqual(completionAt('first line\n/ve', 14, names)?.candidates, []);
    assert.deepEqual(completionAt('see /log\nand ca', 16, names)?.candidates, ['carol']);
    assert.deepEqual(completionAt('/s\n', 2, names)?.candidates, ['/search', '/send', '/status']);
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

  it('Alt-Enter as terminals send it (ESC CR), which blessed names nothing, adds a line', () => {
    const blessedSaw = {
      name: undefined,
      ctrl: false,
      meta: false,
      shift: false,
      sequence: '\x1b\r',
    };
    assert.deepEqual(actionFor(keyPressOf(blessedSaw, undefined), typing), { type: 'newline' });
    const plainEnter = { name: 'return', ctrl: false, meta: false, shift: false, sequence: '\r' };
    assert.deepEqual(actionFor(keyPressOf(plainEnter, '\r'), typing), { type: 'submit' });
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
