/**
 * `inbox` and `history` print the messages of one moment in one order (the sixteenth
 * sitting's CLI trial: alice's and bob's messages taken in one batch came out in arrival
 * order from inbox and in contact-list order from history).
 */
import assert from 'node:assert/strict';
import { byMoment, readHistory } from '../../../src/cli/history-read.js';
import type { HistoryEntry } from '../../../src/peer/index.js';

const entry = (conversation: string, from: string, text: string, atMs: number): HistoryEntry => ({
  conversation: conversation as HistoryEntry['conversation'],
  direction: 'in',
  msgId: `${text}`.padEnd(32, '0'),
  peer: { pseudonym: from, userId: '' },
  text,
  sentAtMs: atMs,
  receivedAtMs: atMs,
});

describe('cli: the order of messages of one moment', () => {
  it('history sorts one moment by conversation, then as kept, whatever the contact order', async () => {
    const byConversation: Record<string, HistoryEntry[]> = {
      '@bob': [entry('@bob', 'bob', 'b1', 1000), entry('@bob', 'bob', 'b2', 1000)],
      '@alice': [entry('@alice', 'alice', 'a1', 1000), entry('@alice', 'alice', 'a0', 999)],
    };
    const client = {
      groups: async () => [],
      group: async () => {
        throw new Error('no groups');
      },
      // bob first: the order of the contact list, not of the conversations' ids.
      contacts: () => [{ pseudonym: 'bob' }, { pseudonym: 'alice' }],
      contact: () => undefined,
      history: async (conversation: string) => byConversation[conversation] ?? [],
      timeline: async () => [],
    } as unknown as Parameters<typeof readHistory>[0];
    const { shown } = await readHistory(client, undefined, { limit: 10 });
    assert.deepEqual(
      shown.map((s) => (s.entry as HistoryEntry).text),
      ['a0', 'a1', 'b1', 'b2'],
    );
  });

  it('inbox and history share the comparator: time, then conversation, else as kept', () => {
    const items = [
      { atMs: 5, conversation: '@bob', n: 1 },
      { atMs: 5, conversation: '@alice', n: 2 },
      { atMs: 4, conversation: '@carol', n: 3 },
      { atMs: 5, conversation: '@bob', n: 4 },
    ];
    assert.deepEqual(
      [...items].sort(byMoment).map((i) => i.n),
      [3, 2, 1, 4],
    );
  });
});
