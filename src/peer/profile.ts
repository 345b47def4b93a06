/**
 * The profile directory: who this user is and what this client remembers.
 *
 *   identity.json   key file (src/crypto/keyfile.ts), mode 0600
 *   config.json     { pseudonym, relay?, relayId?, relaySeen?, pinnedRelays }, mode 0600
 *   db/             LevelDB (store.ts)
 *   natter.log      JSON log lines (never message text, passphrases or keys)
 *
 * Several people may share a host, each with their own profile (DESIGN.md §2).
 */
import { access, chmod, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { saveIdentity } from '../crypto/keyfile.js';
import { fingerprint, generateIdentity } from '../crypto/keys.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { fromHex, toHex } from '../util/bytes.js';
import { newPseudonymProblem, normalizePseudonym } from '../wire/text.js';
import { PeerCode, peerError } from './errors.js';
import { formatRelayAddress, type RelayAddress } from './relay-address.js';

export interface ProfilePaths {
  dir: string;
  identity: string;
  config: string;
  db: string;
  log: string;
}

export interface ProfileConfig {
  /** The pseudonym chosen at `natter init` (NFKC). */
  pseudonym?: string;
  /** Default relay, 'host:port'. */
  relay?: string;
  /**
   * The relay id (hex) this profile registered with, whether its address was
   * configured or discovered (DESIGN.md §2, issue 10): a relay must prove it
   * wherever it answers, and discovery takes only its beacons. Saved when a
   * relay proves its id, before we register or log in there; replaced only when
   * the user accepts a new relay (`acceptNewRelayKey`, `--accept-new-relay-key`).
   */
  relayId?: string;
  /**
   * Where this profile last reached its relay when the relay was found by its beacon
   * ('host:port'). Not a configured address (`relay` overrides discovery, this does not):
   * dialled, the relay proving `relayId`, only when no beacon of it is heard
   * (relay-link.ts), so a host that cannot hear beacons (UDP blocked) still gets there.
   */
  relaySeen?: string;
  /**
   * Relay ids pinned per address dialled, by profiles from before issue 10. Read
   * while `relayId` is unset (pinnedRelayId()); kept as found, never added to.
   */
  pinnedRelays: Record<string, string>;
}

/** Who a profile is, as the UI shows it. */
export interface Me {
  pseudonym: string;
  /** Hex of the signing public key. */
  userId: string;
  fingerprint: string;
}

export interface NewIdentityOptions {
  profileDir: string;
  /** The pseudonym to claim; normalised (NFKC) and checked as a new name. */
  pseudonym: string;
  /** Seals the secret keys (scrypt → secretbox). Default: not sealed. */
  passphrase?: string;
  /** Remembered as the profile's relay. Default: none (configured or discovered later). */
  relay?: RelayAddress;
}

type Env = Record<string, string | undefined>;

/**
 * `--profile DIR` > NATTER_HOME > $XDG_DATA_HOME/natter > ~/.local/share/natter
 * (the XDG base directory specification's default data home).
 */
export function resolveProfileDir(explicit: string | undefined, env: Env = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.NATTER_HOME) return resolve(env.NATTER_HOME);
  const dataHome = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return resolve(dataHome, 'natter');
}

export function profilePaths(dir: string): ProfilePaths {
  return {
    dir,
    identity: join(dir, 'identity.json'),
    config: join(dir, 'config.json'),
    db: join(dir, 'db'),
    log: join(dir, 'natter.log'),
  };
}

/**
 * The offline half of `natter init` (and of `natter chat` on first run): a new
 * identity in the profile, sealed with the passphrase if one is given, and the
 * pseudonym (and relay, if given) in its config. Registration happens on the
 * first connect. Throws E_BAD_PSEUDONYM, or E_PROFILE_EXISTS rather than
 * replacing the keys of an existing identity.
 */
export async function createIdentity(options: NewIdentityOptions): Promise<Me> {
  const name = await checkNewIdentity(options);
  const paths = profilePaths(options.profileDir);
  await ensureProfileDir(paths.dir);
  const identity = generateIdentity();
  const { passphrase, relay } = options;
  await saveIdentity(paths.identity, identity, passphrase === undefined ? {} : { passphrase });
  await updateConfig(paths, (c) => {
    c.pseudonym = name;
    if (relay !== undefined) c.relay = formatRelayAddress(relay);
  });
  return {
    pseudonym: name,
    userId: toHex(identity.signPk),
    fingerprint: fingerprint(identity.signPk),
  };
}

/**
 * What createIdentity() checks first, for callers that ask for a passphrase only
 * once the name is known to be good: returns the name as it will be stored (NFKC).
 * Throws E_BAD_PSEUDONYM or E_PROFILE_EXISTS.
 */
/** A name to claim (init, rename), as the relay will check it (NFKC); E_BAD_PSEUDONYM. */
export function claimablePseudonym(name: string, step: string): string {
  const normal = normalizePseudonym(name);
  const problem = newPseudonymProblem(normal);
  if (problem !== null) throw peerError(PeerCode.BadPseudonym, `${step}: the name ${problem}`);
  return normal;
}

export async function checkNewIdentity(
  options: Pick<NewIdentityOptions, 'profileDir' | 'pseudonym'>,
): Promise<string> {
  const name = claimablePseudonym(options.pseudonym, 'init');
  const paths = profilePaths(options.profileDir);
  if (
    await access(paths.identity).then(
      () => true,
      () => false,
    )
  ) {
    throw peerError(
      PeerCode.ProfileExists,
      `profile ${paths.dir} already has an identity; use another --profile to create a second one`,
    );
  }
  return name;
}

/** Creates the directory if needed and makes it private (0700): it holds keys and history. */
export async function ensureProfileDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** A relay id as config.json stores it: 32 bytes, lowercase hex. */
const RELAY_ID_HEX = /^[0-9a-f]{64}$/;

export async function readConfig(paths: ProfilePaths): Promise<ProfileConfig> {
  let raw: string;
  try {
    raw = await readFile(paths.config, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { pinnedRelays: {} };
    throw peerError(PeerCode.Config, `profile: cannot read ${paths.config}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw peerError(PeerCode.Config, `profile: ${paths.config} is not valid JSON`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw peerError(PeerCode.Config, `profile: ${paths.config} is not a JSON object`);
  }
  const p = parsed as Record<string, unknown>;
  const config: ProfileConfig = { pinnedRelays: {} };
  if (typeof p.pseudonym === 'string') config.pseudonym = p.pseudonym;
  if (typeof p.relay === 'string') config.relay = p.relay;
  if (typeof p.relayId === 'string' && RELAY_ID_HEX.test(p.relayId)) config.relayId = p.relayId;
  if (typeof p.relaySeen === 'string') config.relaySeen = p.relaySeen;
  if (typeof p.pinnedRelays === 'object' && p.pinnedRelays !== null) {
    for (const [addr, id] of Object.entries(p.pinnedRelays)) {
      if (typeof id === 'string' && RELAY_ID_HEX.test(id)) config.pinnedRelays[addr] = id;
    }
  }
  return config;
}

/** Write-then-rename, so a crash never leaves half a config (and half the relay pins). */
export async function writeConfig(paths: ProfilePaths, config: ProfileConfig): Promise<void> {
  await writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`);
}

/** Config updates in flight, per config file: one at a time, so none is lost. */
const configUpdates = new Map<string, Promise<unknown>>();

/**
 * Read-modify-write of config.json. One process owns a profile (the db lock);
 * within it, updates run one after another (a rename's new name and the address
 * a session saves after Ready may race: neither may undo the other).
 */
export function updateConfig(
  paths: ProfilePaths,
  change: (config: ProfileConfig) => void,
): Promise<ProfileConfig> {
  const key = paths.config;
  const update = (configUpdates.get(key) ?? Promise.resolve())
    .catch(() => undefined)
    .then(async () => {
      const config = await readConfig(paths);
      change(config);
      await writeConfig(paths, config);
      return config;
    });
  configUpdates.set(key, update);
  const forget = () => {
    if (configUpdates.get(key) === update) configUpdates.delete(key);
  };
  update.then(forget, forget);
  return update;
}

/**
 * The relay id this profile trusts: the one it registered with, else (a profile
 * from before issue 10) the id pinned for `address`, if given.
 */
export function pinnedRelayId(config: ProfileConfig, address?: string): string | undefined {
  return config.relayId ?? (address === undefined ? undefined : config.pinnedRelays[address]);
}

/**
 * Relay-id pinning (DESIGN.md §2): a relay that proves another id than the one
 * this profile registered with is refused with E_RELAY_KEY_CHANGED, wherever it
 * answers, unless the user explicitly accepts it. Writes nothing: pinRelay()
 * saves the id once accepted.
 */
export async function checkRelayPin(
  paths: ProfilePaths,
  address: string,
  relayIdHex: string,
  acceptNew: boolean,
): Promise<'new' | 'match' | 'replaced'> {
  const pinned = pinnedRelayId(await readConfig(paths), address);
  if (pinned === relayIdHex) return 'match';
  if (pinned === undefined) return 'new';
  if (!acceptNew) {
    throw peerError(
      PeerCode.RelayKeyChanged,
      `relay ${address} proved relay id ${relayFingerprint(relayIdHex)}, but this profile registered with ${relayFingerprint(pinned)} (natter fingerprint --relay); if the relay was reinstalled on purpose and its startup line shows the new id, retry with --accept-new-relay-key`,
    );
  }
  return 'replaced';
}

/** Saves a relay id that checkRelayPin() accepted as this profile's relay. True if it changed. */
export async function pinRelay(paths: ProfilePaths, relayIdHex: string): Promise<boolean> {
  if ((await readConfig(paths)).relayId === relayIdHex) return false;
  await updateConfig(paths, (c) => {
    c.relayId = relayIdHex;
  });
  return true;
}

/** Takes back a pin made by pinRelay() for a relay that refused our first Register. */
export async function unpinRelay(paths: ProfilePaths, relayIdHex: string): Promise<void> {
  if ((await readConfig(paths)).relayId !== relayIdHex) return;
  await updateConfig(paths, (c) => {
    delete c.relayId;
  });
}

/** The short form of a relay id (hex), as `natter relay` prints it at start. */
export function relayFingerprint(relayIdHex: string): string {
  return fingerprint(fromHex(relayIdHex));
}
