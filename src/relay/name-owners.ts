/**
 * Who holds each blind name key (wire/confusables.ts blindKey): 'bob.', 'bób',
 * 'b_ob' and 'bob' share one. Several identities may share a key when they
 * registered before the key existed: they all keep their names and log in as
 * before; a new name (a registration or a rename) is refused while anyone else
 * holds its key (docs/decisions.md, "Names apart by more than punctuation").
 */
import { blindKey } from '../wire/text.js';

export class NameOwners {
  /** Key -> user ids (hex) that hold a name with it, registered or being registered. */
  private readonly owners = new Map<string, Set<string>>();

  /** Another identity than `idHex` holding `name`'s key, if any. */
  otherOwner(name: string, idHex: string): string | undefined {
    for (const owner of this.owners.get(blindKey(name)) ?? []) {
      if (owner !== idHex) return owner;
    }
    return undefined;
  }

  add(name: string, idHex: string): void {
    const key = blindKey(name);
    const set = this.owners.get(key) ?? new Set<string>();
    set.add(idHex);
    this.owners.set(key, set);
  }

  remove(name: string, idHex: string): void {
    const key = blindKey(name);
    const set = this.owners.get(key);
    if (set?.delete(idHex) && set.size === 0) this.owners.delete(key);
  }

  clear(): void {
    this.owners.clear();
  }
}
