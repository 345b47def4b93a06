import { toHex } from '../../util/bytes.js';
import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** Lookup: a card by pseudonym (case-insensitive) or by user id. */
export function onLookup(session: Session, frame: FrameOf<'lookup'>): void {
  const { directory, hub } = session.ctx;
  const card =
    'pseudonym' in frame.by
      ? directory.byPseudonym(frame.by.pseudonym)
      : directory.byUserId(toHex(frame.by.userId));
  session.send({
    type: 'lookup-result',
    requestId: frame.requestId,
    card: card ?? null,
    online: card ? hub.isOnline(toHex(card.userId)) : false,
  });
}
