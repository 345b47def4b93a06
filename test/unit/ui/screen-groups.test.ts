/**
 * Groups on the chat screen (harness.ts, 80x24): the sidebar's '#name' rows with
 * their badges, the group commands through the keys, membership changes and
 * warnings as lines in the conversation, and Tab over the members.
 */
import assert from 'node:assert/strict';
import { contact, peer } from './fake-core.js';
import { groupConv, member } from './fake-groups.js';
import { destroyAll, type Harness, noticeText, screenText, start } from './harness.js';

const TEAM = groupConv('7');

/** alice (the fake core's user) in #team with bob and carol, as `myRole`. */
function withTeam(myRole: 'admin' | 'member' = 'admin') {
  return start({
    setup: (core) => {
      core.groupBook.put(
        '7',
        'team',
        [
          member('alice', myRole),
          member('bob', myRole === 'admin' ? 'member' : 'admin'),
          member('carol'),
        ],
        myRole,
      );
    },
  });
}

/** bob (its admin) adds alice to a group `name` she did not know: the core's event for it. */
async function addedByBob(h: Harness, digit: string, name: string) {
  const info = h.core.groupBook.put(
    digit,
    name,
    [member('bob', 'admin'), member('alice')],
    'member',
  );
  h.core.groupBook.change(info, { kind: 'added', by: 'bob', member: 'alice' });
  await h.settle();
  return info;
}

/** The sidebar row of the conversation labelled `label`. */
const row = (h: Harness, label: string) =>
  h.rows().find((r) => /^\d /.test(r) && r.includes(label)) ?? '';

describe('ui screen: groups', () => {
  afterEach(destroyAll);

  it('notes in a group that its messages wait for a sender’s key, and a gap in a member’s, naming the group', async () => {
    const h = await withTeam();
    await h.type('/msg #team\r');
    await h.settle();
    const base = {
      conversation: TEAM,
      from: { pseudonym: 'bob', userId: '00'.repeat(32), fingerprint: 'abcd-efgh' },
      counter: 9,
      previousCounter: 3,
      group: { name: 'team' },
      atMs: Date.UTC(2026, 0, 1),
    };
    h.core.notices.push(
      { ...base, kind: 'held', missing: 40 },
      { ...base, kind: 'gap', missing: 5 },
    );
    h.core.emit('conversation:notice', h.core.notices[0]!);
    await h.settle();
    const text = screenText(h).replace(/\s+/g, ' ');
    assert.match(text, /\* #team: 40 messages are waiting for a sender's key/);
    assert.match(text, /start natter chat again/);
    assert.match(text, /\* #team: 5 earlier message\(s\) from bob have not/);
    assert.match(noticeText(h), /^#team: 40 messages are waiting/);
    assert.deepEqual(h.core.notices, [], 'taken, so natter inbox does not repeat them');
  });

  it('says in a group stopped for a sender’s key that the newer messages follow, when its relay sends them again', async () => {
    const h = await withTeam();
    await h.type('/msg #team\r');
    await h.settle();
    const held = {
      kind: 'held' as const,
      conversation: TEAM,
      from: { pseudonym: 'bob', userId: '00'.repeat(32), fingerprint: 'abcd-efgh' },
      counter: 9,
      previousCounter: 3,
      missing: 40,
      group: { name: 'team' },
      resumes: true,
      atMs: Date.UTC(2026, 0, 1),
    };
    h.core.notices.push(held);
    h.core.emit('conversation:notice', held);
    await h.settle();
    const text = screenText(h).replace(/\s+/g, ' ');
    assert.match(text, /\* #team: 40 messages are waiting for a sender's key/);
    assert.match(text, /the newer ones follow them/);
    assert.doesNotMatch(text, /start natter chat again/);
  });

  it('lists a group as #name, with unread and mention badges', async () => {
    const h = await withTeam();
    h.app.open('dave');
    await h.settle();
    h.core.groupBook.receive(TEAM, 'bob', 'morning all');
    await h.settle();
    assert.match(row(h, '#team'), /^\d {3}#team +1 │/);
    h.core.groupBook.receive(TEAM, 'carol', 'where is @Alice?');
    await h.settle();
    assert.match(row(h, '#team'), /#team +@2 │/);
    await h.type('\x1b1');
    assert.match(h.rows()[0]!, /#team · 3 members · admin/);
    assert.match(screenText(h), /bob: morning all/);
    assert.match(screenText(h), /carol: where is @Alice\?/);
    assert.match(row(h, '#team'), /#team +│/, 'read once shown');
  });

  it('creates a group with /group create, opens it and sends to it', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    await h.type('/group create team bob carol\r');
    assert.deepEqual(h.core.groupBook.calls, ['create team bob,carol']);
    assert.match(h.rows()[0]!, /#team · 3 members/);
    assert.match(screenText(h), /\* you created the group/);
    assert.match(h.rows()[22]!, /^#team> /);
    await h.type('hello team\r');
    const conv = [...h.core.groupBook.byId.keys()][0]!;
    assert.deepEqual(h.core.sent, [{ to: conv, text: 'hello team' }]);
    assert.match(screenText(h), /alice: hello team …/);
  });

  it('opens a group with /msg #name (any case, or an id prefix) and sends to it; an unknown #name is no person', async () => {
    const h = await withTeam();
    h.app.open('bob');
    await h.settle();
    await h.type('/msg #Team\r');
    assert.match(h.rows()[0]!, /#team · 3 members/);
    assert.match(h.rows()[22]!, /^#team> /);
    await h.type('/msg #team standup in 5\r');
    assert.deepEqual(h.core.sent, [{ to: TEAM, text: 'standup in 5' }]);
    h.app.open('bob');
    await h.settle();
    await h.type(`/msg #${TEAM.slice(1, 5)}\r`);
    assert.match(h.rows()[22]!, /^#team> /, 'by the first four hex digits of its id');
    await h.type('/msg #ops hello\r');
    assert.match(noticeText(h), /no group called #ops here/);
    assert.match(h.rows()[22]!, /^#team> /, 'the open conversation stays');
    assert.equal(h.core.sent.length, 1, 'nothing sent to a person called #ops');
    assert.equal(row(h, '#ops'), '', 'no conversation for it in the list');
    await addedByBob(h, '8', 'TEAM');
    await h.type('/msg #team again\r');
    assert.match(noticeText(h), /2 groups are called #team: pick one in the Chats list/);
    assert.equal(h.core.sent.length, 1, 'nothing sent while it is not clear where');
  });

  it('opens a group whose name has spaces with /msg #NAME, the longest name of mine that fits, the rest sent', async () => {
    const TWO = groupConv('5');
    const h = await start({
      setup: (core) => {
        core.groupBook.put('5', 'Team Two', [member('alice', 'admin'), member('bob')], 'admin');
        core.groupBook.put('6', 'ops', [member('alice', 'admin'), member('bob')], 'admin');
      },
    });
    h.app.open('bob');
    await h.settle();
    await h.type('/msg #Team Two\r');
    assert.match(h.rows()[22]!, /^#Team Two> /);
    assert.deepEqual(h.core.sent, [], 'Two is part of the name, not a message');
    h.app.open('bob');
    await h.settle();
    await h.type('/msg #team two  standup in 5\r');
    assert.match(h.rows()[22]!, /^#Team Two> /);
    assert.deepEqual(h.core.sent, [{ to: TWO, text: 'standup in 5' }]);
    // No group is called Team: the first word is no group, as before, and nothing is sent.
    await h.type('/msg #Team Three hello\r');
    assert.match(noticeText(h), /no group called #Team here/);
    await h.type('/msg #Team\r');
    assert.match(noticeText(h), /no group called #Team here/);
    assert.equal(h.core.sent.length, 1);
    // Both Team and Team Two: the longer name where it fits, the shorter one elsewhere.
    await addedByBob(h, '8', 'team');
    await h.type('/msg #Team Two hi\r');
    assert.deepEqual(h.core.sent.at(-1), { to: TWO, text: 'hi' });
    await h.type('/msg #Team Twofold\r');
    assert.match(h.rows()[22]!, /^#team> /, 'a name ends at a space: Twofold is the text');
    assert.deepEqual(h.core.sent.at(-1), { to: groupConv('8'), text: 'Twofold' });
  });

  it('tells two groups of one name apart by an id prefix, in the sidebar, the header and the prompt', async () => {
    const h = await withTeam();
    assert.match(row(h, '#team'), /#team +│/, 'one #team: no prefix');
    await h.type('\x1b1');
    assert.match(h.rows()[22]!, /^#team> +$/);
    await addedByBob(h, '8', 'Team');
    assert.match(row(h, '#team'), /#team \(7777\) +│/);
    assert.match(row(h, '#Team'), /#Team \(8888\) +│/);
    assert.match(h.rows()[22]!, /^#team \(7777\)> +$/);
    await h.type('/msg #8888\r');
    assert.match(h.rows()[0]!, /#Team \(8888\) · 2 members/);
    assert.match(h.rows()[22]!, /^#Team \(8888\)> +$/);
  });

  it('completes #NAME after /msg over my groups, spaces and all', async () => {
    const h = await start({
      setup: (core) => {
        core.groupBook.put('5', 'Team Two', [member('alice', 'admin')], 'admin');
        core.groupBook.put('6', 'ops', [member('alice', 'admin')], 'admin');
        core.groupBook.put('7', 'orange', [member('alice', 'admin')], 'admin');
      },
    });
    await h.type('/msg #Te\t');
    assert.equal(h.app.editor.text, '/msg #Team Two ');
    await h.type('\x15/msg #team t\t');
    assert.equal(h.app.editor.text, '/msg #Team Two ', 'as typed so far, any case');
    await h.type('\x15/msg #o\t');
    assert.equal(noticeText(h), '[#ops]  #orange');
    assert.equal(h.app.editor.text, '/msg #ops');
    await h.type('\x15/msg #\t');
    assert.equal(noticeText(h), '[#ops]  #orange  #Team Two');
    await h.type('\x15/msg #Team Two hi\t');
    assert.match(noticeText(h), /no match/);
  });

  it('opens the group with /msg #name even beside a person of that whole name, who is reached while no group is', async () => {
    const h = await start({
      setup: (core) => {
        core.contactList = [contact('#team'), contact('#ops')];
        core.groupBook.put('7', 'team', [member('alice', 'admin'), member('bob')], 'admin');
      },
    });
    await h.type('/msg #TEAM\r');
    assert.match(h.rows()[22]!, /^#team> /);
    await h.type('/msg #ops\r');
    assert.match(h.rows()[0]!, /#ops/);
    assert.doesNotMatch(h.rows()[0]!, /members/, 'the person, a name from before # was refused');
  });

  it('invites, kicks with a completed member name, and renames, each change a line', async () => {
    const h = await withTeam();
    await h.type('\x1b1');
    await h.type('/invite dave\r');
    assert.match(screenText(h), /\* you added dave/);
    await h.type('/kick c\t');
    assert.equal(h.app.editor.text, '/kick carol ');
    await h.type('\r');
    assert.match(screenText(h), /\* you removed carol/);
    await h.type('/rename ops\r');
    assert.match(screenText(h), /\* you renamed the group to ops/);
    assert.match(h.rows()[0]!, /#ops · 3 members/);
    assert.match(row(h, '#ops'), /^1 {3}#ops/);
    assert.deepEqual(h.core.groupBook.calls, [
      `add ${TEAM} dave`,
      `remove ${TEAM} carol`,
      `rename ${TEAM} ops`,
    ]);
  });

  it('promotes and demotes a member with a completed name, each change a line', async () => {
    const h = await withTeam();
    await h.type('\x1b1');
    await h.type('/promote c\t');
    assert.equal(h.app.editor.text, '/promote carol ');
    await h.type('\r');
    assert.match(screenText(h), /\* you made carol an admin/);
    await h.type('/promote carol\r');
    assert.match(noticeText(h), /carol is an admin of #team already/);
    await h.type('/demote carol\r');
    assert.match(screenText(h), /\* you made carol a member \(no longer admin\)/);
    await h.type('/demote bob\r');
    assert.match(noticeText(h), /bob is not an admin of #team/);
    await h.type('/promote dave\r');
    assert.match(noticeText(h), /dave is not in #team/);
    assert.deepEqual(h.core.groupBook.calls, [`promote ${TEAM} carol`, `demote ${TEAM} carol`]);
  });

  it("learns a member's new name while it runs: asks the core about them, then shows it in the group", async () => {
    const h = await start({
      setup: (core) => {
        core.groupBook.put(
          '7',
          'team',
          [member('alice', 'admin'), member('bob'), member('carol')],
          'admin',
        );
        core.contactList = [contact('bob'), contact('carol')];
      },
    });
    await h.type('\x1b1');
    // bob quit, ran `natter rename robert`, came back: the roster shows robert with bob's key.
    const asked: string[] = [];
    const findUser = h.core.findUser.bind(h.core);
    h.core.findUser = (name) => {
      asked.push(name);
      return findUser(name);
    };
    h.core.emit('roster:change', { type: 'join', peer: peer('robert', { userId: 'id-bob' }) });
    h.core.emit('roster:change', {
      type: 'update',
      peer: peer('robert', { userId: 'id-bob', status: 'away' }),
    });
    h.core.emit('roster:change', { type: 'join', peer: peer('dave') });
    await h.settle();
    assert.deepEqual(asked, ['robert'], 'once, and only for a contact under a new name');
    // The core checked robert's card: the contact and the group's member are renamed.
    h.core.groupBook.put(
      '7',
      'team',
      [member('alice', 'admin'), { ...member('bob'), pseudonym: 'robert' }, member('carol')],
      'admin',
    );
    h.core.emit('contact:renamed', {
      from: 'bob',
      to: 'robert',
      contact: contact('robert', { userId: 'id-bob' }),
    });
    await h.settle();
    await h.type('/members\r');
    assert.match(screenText(h), /robert/);
    assert.doesNotMatch(screenText(h), /○ bob/);
    await h.type('\x1b');
    await h.type('/promote r\t');
    assert.equal(h.app.editor.text, '/promote robert ');
    await h.type('\r');
    assert.match(screenText(h), /\* you made robert an admin/);
  });

  it('opens a group renamed while I looked by its old name, and says its new one', async () => {
    const h = await withTeam('member');
    h.app.open('bob');
    await h.settle();
    const g = h.core.groupBook.resolve(TEAM);
    h.core.groupBook.change(
      { ...g, name: 'crew' },
      { kind: 'renamed', by: 'bob', from: 'team', to: 'crew' },
    );
    await h.settle();
    await h.type('/msg #team\r');
    assert.match(h.rows()[0]!, /#crew/, 'the group, under its new name');
    assert.match(noticeText(h), /#team is now called #crew/);
    await h.type('/msg #nothing\r');
    assert.match(noticeText(h), /no group called #nothing here/, 'no other name is taken for one');
  });

  it("opens a group renamed before the chat started by its old name, saying who renamed it (the core's log)", async () => {
    const h = await start({
      setup: (core) => {
        const g = core.groupBook.put('7', 'Team Two', [member('alice'), member('bob')], 'member');
        g.formerNames = [{ name: 'team', by: 'bob\x1b[2J' }];
      },
    });
    h.app.open('bob');
    await h.settle();
    await h.type('/msg #team\r');
    assert.match(h.rows()[0]!, /#Team Two/, 'the group, under its new name');
    assert.match(noticeText(h), /#team is now called #Team Two \(renamed by bob\[2J\)/);
    assert.ok(!h.written().includes('bob\x1b[2J'), 'the name reaches the terminal sanitised');
    await h.type('/msg #nothing\r');
    assert.match(noticeText(h), /no group called #nothing here/);
  });

  it('takes an old name of several words whole, and sends nothing by an old name', async () => {
    const h = await start({
      setup: (core) => {
        const crew = core.groupBook.put('7', 'crew', [member('alice'), member('bob')], 'member');
        crew.formerNames = [
          { name: 'team', by: 'alice' },
          { name: 'Team Two', by: 'alice' },
        ];
        // Someone else's new group took the first word of that old name.
        core.groupBook.put('8', 'team', [member('alice'), member('carol')], 'member');
      },
    });
    h.app.open('bob');
    await h.settle();
    await h.type('/msg #Team Two\r');
    assert.match(h.rows()[0]!, /#crew/, 'the renamed group, not #team with the text "Two"');
    assert.match(noticeText(h), /#Team Two is now called #crew \(renamed by you\)/);
    assert.deepEqual(h.core.sent, [], 'nothing sent');
    await h.type('/msg #Team Two hello\r');
    assert.match(noticeText(h), /your message was not sent, send it here again/);
    assert.deepEqual(h.core.sent, [], 'not to #crew, not to #team');
  });

  it('shows changes made by others, and a warning the core raised, in the conversation', async () => {
    const h = await withTeam('member');
    await h.type('\x1b1');
    const g = h.core.groupBook.resolve(TEAM);
    h.core.groupBook.change(
      { ...g, members: [...g.members, member('dave')] },
      { kind: 'added', by: 'bob', member: 'dave' },
    );
    h.core.groupBook.change(
      { ...g, name: 'x' },
      { kind: 'renamed', by: 'bob', from: 'team', to: 'x' },
    );
    h.core.groupBook.change(g, { kind: 'left', member: 'carol' });
    h.core.emit('group:warning', {
      conversation: TEAM,
      groupName: 'team',
      code: 'E_GROUP_BAD_SIGNATURE',
      reason: 'a change not signed by an admin was refused',
    });
    await h.settle();
    const text = screenText(h);
    assert.match(text, /\* bob added dave/);
    assert.match(text, /\* bob renamed the group to x/);
    assert.match(text, /\* carol left/);
    assert.match(
      text,
      /\* warning: a change not signed by an admin was\s+│\s+refused \(E_GROUP_BAD_SIGNATURE\)/,
    );
    assert.match(noticeText(h), /#team: warning: a change not signed by an admin was refused/);
  });

  it('tells me when I was added to a group I am not looking at, and when I was removed', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    const info = await addedByBob(h, '3', 'fresh');
    assert.match(noticeText(h), /#fresh: bob added you/);
    assert.match(row(h, '#fresh'), /#fresh/);
    h.core.groupBook.change(
      { ...info, members: [member('bob', 'admin')], myRole: null },
      { kind: 'removed', by: 'bob', member: 'alice' },
    );
    await h.settle();
    assert.match(noticeText(h), /#fresh: bob removed you/);
    await h.type('\x1b2');
    assert.match(h.rows()[0]!, /you are no longer a member/);
    await h.type('still here?\r');
    assert.deepEqual(h.core.sent, []);
    assert.match(noticeText(h), /not sent: you are no longer a member of #fresh/);
    assert.equal(h.app.editor.text, 'still here?', 'what I typed is given back, not lost');
  });

  it('refuses group commands outside a group, and admin commands to a member, clearly', async () => {
    const h = await withTeam('member');
    h.app.open('bob');
    await h.settle();
    for (const cmd of [
      '/invite dave',
      '/kick bob',
      '/promote bob',
      '/demote bob',
      '/members',
      '/rename x',
      '/leave',
    ]) {
      await h.type(`${cmd}\r`);
      assert.match(noticeText(h), /acts on a group conversation, and this is not one/, cmd);
    }
    await h.type('\x1b1');
    await h.type('/kick bob\r');
    assert.match(noticeText(h), /only an admin of #team can \/kick/);
    await h.type('/invite carol\r');
    assert.match(noticeText(h), /only an admin/);
    await h.type('/promote carol\r');
    assert.match(noticeText(h), /only an admin of #team can \/promote/);
    assert.deepEqual(h.core.groupBook.calls, []);
  });

  it('lists the members in a panel, and leaves after a yes', async () => {
    const h = await withTeam();
    await h.type('\x1b1');
    await h.type('/members\r');
    const panel = screenText(h);
    assert.match(panel, /#team: 3 members/);
    assert.match(panel, /alice \(you\) {2}admin {3}abcd/);
    assert.match(panel, /○ bob\? {9}member {2}abcd-efgh-ijkl-mnop/);
    await h.type('\x1b');
    // The only admin is told at once, before any question, as the core would refuse it.
    await h.type('/leave\r');
    assert.match(
      noticeText(h),
      /you are the only admin of #team: make someone else admin first \(\/promote NAME\), then \/leave/,
    );
    assert.doesNotMatch(h.rows()[22]!, /\(y\/n\)/);
    assert.deepEqual(h.core.groupBook.calls, []);
    const g = h.core.groupBook.resolve(TEAM);
    h.core.groupBook.change(
      { ...g, members: g.members.map((m) => ({ ...m, role: 'admin' as const })) },
      { kind: 'promoted', by: 'alice', member: 'bob' },
    );
    await h.settle();
    await h.type('/leave\r');
    assert.match(h.rows()[22]!, /^leave #team\? only an admin can add you back \(y\/n\)/);
    await h.type('y\r');
    assert.deepEqual(h.core.groupBook.calls, [`leave ${TEAM}`]);
    assert.match(screenText(h), /\* you left/);
    assert.match(h.rows()[0]!, /you are no longer a member/);
  });

  it('flags a member’s changed key in the group too', async () => {
    const h = await withTeam();
    await h.type('\x1b1');
    h.core.emit('contact:key-changed', {
      pseudonym: 'bob',
      oldFingerprint: 'aaaa-aaaa-aaaa-aaaa',
      newFingerprint: 'bbbb-bbbb-bbbb-bbbb',
      newUserId: 'id-bob2',
      safetyNumber: '1',
      pendingKeys: 1,
    });
    await h.settle();
    assert.match(screenText(h), /bob's KEY CHANGED: their messages here are held/);
  });
});
