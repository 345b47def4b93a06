/**
 * The core's reactions to its relay link and to contact events, wired once per opened
 * profile (components.ts makes the parts; this connects them), in one place.
 */
import type { ClientComponents } from './components.js';
import { directConversation } from './conversations/ids.js';
import { OwedLeaves } from './groups/owed-leaves.js';

/** The core's reactions to its relay link and to a key change, as one table. */
export function wire(c: ClientComponents): void {
  const owed = new OwedLeaves(c.store, c.groups);
  c.link.bind({
    discovery: c.presence,
    onReady: (info) => {
      c.incoming.newSession(info.pending);
      c.sender.onReady();
      c.groups.onReady(info.features);
      c.files.onReady(info.features);
      c.presence.onRelayReady();
      c.tasks.run(owed.run(), { finishFirst: true });
    },
    onOffline: () => {
      c.sender.onOffline();
      c.files.onOffline();
      c.presence.onRelayOffline();
    },
    onWritable: () => {
      c.sender.kick();
      c.files.onWritable();
    },
    handlers: {
      deliver: (f) => c.incoming.push(f),
      'group-deliver': (f) => c.groups.push(f),
      'group-resend-result': (f) => c.groups.push(f),
      'send-ack': (f) => c.tasks.run(c.sender.onSendAck(f)),
      'roster-update': (f) => {
        c.presence.onRelayRoster(f);
        c.tasks.run(c.contacts.observeKnown(f.entries.map((e) => e.card)));
      },
      'file-chunk': (f) => c.files.onChunk(f),
      'file-chunk-ack': (f) => c.files.onChunkAck(f),
    },
  });
  // Put in a group by someone I blocked: left at once, by the ordinary leave (blocks.ts); a
  // logout waits for it, and a leave that still did not go is owed (owed-leaves.ts).
  c.events.on('group:changed', (e) => {
    if (e.addedBy !== undefined && c.blocks.has(e.addedBy))
      c.tasks.run(owed.run(), { finishFirst: true });
  });
  // A lost link hears its relay's beacons even in a command that announces nothing, so a
  // relay back at another address is followed there (presence/relay-watch.ts).
  c.events.on('connection:state', (e) => c.presence.watch.linkState(e.state));
  c.events.on('contact:renamed', (e) => c.tasks.run(c.outbox.continueCounter(e.from, e.to)));
  c.events.on('contact:key-changed', (e) =>
    c.tasks.run(c.sender.holdFor(directConversation(e.pseudonym))),
  );
}
