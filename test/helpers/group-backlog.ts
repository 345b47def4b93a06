/**
 * #lab of quinn, rupert and sybil, with sybil away while rupert sends `n` lines: the backlog
 * a member comes back to (group-held.test.ts, group-held-resend.test.ts). rupert and quinn
 * use `near`, sybil `far` (the same relay, or two of a cluster).
 */
import assert from 'node:assert/strict';
import { nextEvent } from './events.js';
import type { TestProfile } from './profile.js';
import type { TestRelay } from './relay.js';
import type { testWorld } from './world.js';

export async function labBacklog(
  world: ReturnType<typeof testWorld>,
  at: { near: TestRelay; far: TestRelay },
  n: number,
) {
  const quinn = await world.client('quinn', at.near);
  const rupert = await world.client('rupert', at.near);
  const sybil = await world.client('sybil', at.far);
  await Promise.all([quinn.connect(), rupert.connect(), sybil.connect()]);
  const sybilProfile: TestProfile = sybil.profile;
  await sybil.close();
  const joined = nextEvent(rupert, 'group:changed');
  await quinn.createGroup('lab', ['rupert', 'sybil']);
  await joined;
  const lines = Array.from({ length: n }, (_, i) => String(i + 1));
  for (const line of lines) await rupert.sendToGroup('lab', line);
  assert.ok(await rupert.flush(60_000), 'every line on the relay');
  return { quinn, rupert, sybilProfile, lines };
}
