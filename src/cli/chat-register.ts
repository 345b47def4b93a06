/**
 * `natter chat` before its screen opens: the pseudonym prompt, and an existing
 * profile's first connection of the run, so that a name someone took while this
 * profile was away can be replaced here, by prompt, instead of leaving the
 * profile unusable (issue 13; `natter rename` does the same from a script).
 */

import { rm } from 'node:fs/promises';
import {
  type NatterClient,
  newPseudonymProblem,
  normalizePseudonym,
  type PeerEventMap,
  readConfig,
  updateConfig,
} from '../peer/index.js';
import { ask, type PromptIo } from '../peer/ui/index.js';
import { describeError, isNatterError } from '../util/errors.js';
import { createIdentity } from './commands/init.js';
import { FAIL_FAST_MS } from './connect.js';
import { CliContext, type OpenClientOptions } from './context.js';
import { sanitize, takenWhy } from './format.js';
import type { PresenceFlags } from './presence.js';
import { statusLine } from './status-line.js';

/**
 * How long an existing profile's chat waits for its relay before the screen opens
 * anyway (and keeps trying there): long enough for a relay on the LAN to answer.
 */
export const EXISTING_CONNECT_MS = 2_000;
/** First run: how long registering the new name may take before the screen opens anyway. */
export const FIRST_CONNECT_MS = 10_000;

/**
 * A first run's connect failures after which the screen opens anyway, says why and keeps
 * trying (connector.ts): no relay reachable now, none heard, or several and none chosen.
 */
export const OPEN_ANYWAY = ['E_RELAY_TIMEOUT', 'E_NO_RELAY', 'E_SEVERAL_RELAYS'];

/** The chat prompt's line after the relay refused `name` (takenWhy). */
export function takenNotice(name: string, relayMessage: string): string {
  return `the name '${sanitize(name)}' ${takenWhy(relayMessage)} on this relay; choose another\n`;
}

/**
 * What the name prompt says of a refused name: a space in plain words (a QA trial read
 * "the disallowed character U+0020" as jargon), anything else in newPseudonymProblem's
 * words, where the U+ form names an invisible or odd character exactly.
 */
export function namePromptProblem(name: string, problem: string): string {
  return name.includes(' ') ? 'no spaces in a name' : `that name ${problem}`;
}

export async function askName(io: PromptIo): Promise<string> {
  for (;;) {
    const name = normalizePseudonym(
      (await ask(io, 'pseudonym (1-32 characters, no spaces): ')).trim(),
    );
    const problem = newPseudonymProblem(name);
    if (problem === null) return name;
    io.output.write(`${namePromptProblem(name, problem)}\n`);
  }
}

/**
 * What a client reported before the screen subscribed: its connection's state, and what
 * its relay said of its mail store (StoreStatus comes before Ready: a chat started while
 * a cluster's NATS was down said nothing of it, then "reaches its mail store again").
 */
export interface EarlyEvents {
  connection?: PeerEventMap['connection:state'];
  store?: PeerEventMap['relay:store'];
}

const early = new WeakMap<NatterClient, EarlyEvents>();

/** Starts keeping `client`'s EarlyEvents (earlyEvents() reads them). */
export function trackEarly(client: NatterClient): void {
  const seen: EarlyEvents = {};
  early.set(client, seen);
  client.on('connection:state', (e) => {
    seen.connection = e;
  });
  client.on('relay:store', (e) => {
    seen.store = e;
  });
}

export function earlyEvents(client: NatterClient): EarlyEvents {
  return early.get(client) ?? {};
}

/**
 * Connects the opened client; a name the relay refuses as taken asks for another
 * and claims it with a fresh context (the profile saves it once the relay agreed).
 * Anything else (no relay yet, another relay key) is left to the screen, which
 * connects again and says it.
 */
export async function connectOrRename(
  holder: { ctx: CliContext },
  io: PromptIo,
  options: OpenClientOptions,
  opened: NatterClient,
): Promise<NatterClient> {
  let client = opened;
  for (;;) {
    trackEarly(client);
    const connecting = statusLine(io.output, 'connecting…');
    try {
      await client
        .connect({
          timeoutMs: EXISTING_CONNECT_MS,
          discoverMs: EXISTING_CONNECT_MS,
          failFastMs: FAIL_FAST_MS,
        })
        .finally(connecting);
    } catch (err) {
      if (!isNatterError(err, 'E_PSEUDONYM_TAKEN')) {
        // Not reached yet: a new name is saved once the relay takes it, on the screen.
        saveNameWhenReady(holder.ctx, client);
        return client;
      }
      io.output.write(takenNotice(client.me.pseudonym, err.message));
      const name = await askName(io);
      const { typed } = holder.ctx;
      await holder.ctx.dispose();
      holder.ctx = new CliContext(holder.ctx.io, holder.ctx.global);
      holder.ctx.typed = typed;
      // connect: the relay is resolved as for the first client (--relay, NATTER_RELAY),
      // not left to the profile's config, which may name another relay.
      client = await holder.ctx.openClient({ ...options, connect: true, pseudonym: name });
      continue;
    }
    await saveName(holder.ctx, client);
    return client;
  }
}

/** The relay's refusal of the name a running chat registers (ScreenOptions.nameRefused). */
export interface NameRefusal {
  code: string;
  message: string;
}

/** The prompt's line after the relay refused `name` while the screen was open. */
export function refusedNotice(name: string, refusal: NameRefusal): string {
  if (refusal.code === 'E_PSEUDONYM_TAKEN') return takenNotice(name, refusal.message);
  return `the relay does not accept the name '${sanitize(name)}' (${sanitize(refusal.message)}); choose another\n`;
}

/**
 * A running chat's name was refused by the relay (never registered: the relay was down at
 * the wizard): asks for another as the wizard does, and claims it for this identity as a
 * rename would (OpenOptions.pseudonym: the outbox, history and key stay, so what the user
 * queued goes out from the new name). connectOrRename saves it once a relay took it.
 */
export async function nameAgain(
  holder: { ctx: CliContext },
  io: PromptIo,
  options: OpenClientOptions,
  refusedName: string,
  refusal: NameRefusal,
): Promise<NatterClient> {
  io.output.write(refusedNotice(refusedName, refusal));
  const name = await askName(io);
  const { typed } = holder.ctx;
  await holder.ctx.dispose();
  holder.ctx = new CliContext(holder.ctx.io, holder.ctx.global);
  holder.ctx.typed = typed;
  const client = await holder.ctx.openClient({ ...options, connect: true, pseudonym: name });
  return connectOrRename(holder, io, options, client);
}

/** The client's name as the profile's, once a relay accepted it (the first Ready). */
async function saveName(ctx: CliContext, client: NatterClient): Promise<void> {
  const paths = ctx.paths;
  if ((await readConfig(paths)).pseudonym === client.me.pseudonym) return;
  await updateConfig(paths, (c) => {
    c.pseudonym = client.me.pseudonym;
  });
}

/** saveName at the client's first Ready, for a client claiming a new name not reached yet. */
function saveNameWhenReady(ctx: CliContext, client: NatterClient): void {
  const off = client.on('connection:state', (e) => {
    if (e.state !== 'ready') return;
    off();
    // The screen is open: said in natter.log, not over it; the next run claims it again.
    saveName(ctx, client).catch(async (err: unknown) =>
      (await ctx.logger()).warn('new name not saved', { code: describeError(err).code }),
    );
  });
}

/**
 * First run: creates the identity from prompted answers and registers the name, so
 * a taken name can be chosen again here rather than found out later. The passphrase
 * is asked once, after the first name (the relay checks a name only in a Register,
 * which needs the key it seals), and kept for the next name. Nothing is announced
 * on the LAN until the relay accepts the name (ClientPresenceOptions.self.claimed).
 * An unreachable relay is not an error: the screen opens and keeps trying.
 */
export async function firstRun(
  holder: { ctx: CliContext },
  io: PromptIo,
  announce: PresenceFlags,
): Promise<NatterClient> {
  io.output.write(`Welcome to natter. A new identity will be created in ${holder.ctx.paths.dir}\n`);
  let name = await askName(io);
  const passphrase = await askNewPassphrase(io);
  for (;;) {
    const ctx = holder.ctx;
    await createIdentity(ctx, name, passphrase);
    ctx.typed = passphrase;
    const client = await ctx.openClient({ connect: true, announce });
    trackEarly(client);
    const registering = statusLine(io.output, 'registering…');
    try {
      await client.connect({ timeoutMs: FIRST_CONNECT_MS }).finally(registering);
      return client;
    } catch (err) {
      // Not reachable now: the screen opens anyway and keeps trying.
      if (OPEN_ANYWAY.some((code) => isNatterError(err, code))) return client;
      if (!isNatterError(err, 'E_PSEUDONYM_TAKEN')) throw err;
      await ctx.dispose();
      await rm(ctx.paths.identity, { force: true });
      io.output.write(takenNotice(name, err.message));
      holder.ctx = new CliContext(ctx.io, ctx.global);
      name = await askName(io);
    }
  }
}

async function askNewPassphrase(io: PromptIo): Promise<string | undefined> {
  for (;;) {
    const first = await ask(io, 'passphrase to seal your key (empty for none): ', { hidden: true });
    if (first === '') return undefined;
    if ((await ask(io, 'again: ', { hidden: true })) === first) return first;
    io.output.write('the two did not match\n');
  }
}
