/**
 * What every control request kind shares (control-ops.ts and the tables it merges:
 * control-files.ts, control-groups.ts, control-outbox.ts): the shape of a handler
 * table, and the field checks of the socket's boundary, each refusing with
 * E_BAD_REQUEST and the field's name.
 */
import type { ControlSession } from './control.js';
import { CliCode, cliError } from './errors.js';

/** Request kinds (an interface): each one's fields and its answer's. */
export type RequestKinds<Kinds> = { [K in keyof Kinds]: { request: object; answer: object } };

/** One handler per kind of `Kinds`, run on a `Target`: a kind without one does not compile. */
export type HandlerTable<Kinds extends RequestKinds<Kinds>, Target> = {
  [K in keyof Kinds]: {
    /** The request's fields, checked (E_BAD_REQUEST): the socket is a boundary. */
    parse(raw: Record<string, unknown>): Kinds[K]['request'];
    run(
      target: Target,
      request: Kinds[K]['request'],
      session: ControlSession,
    ): Promise<Kinds[K]['answer']>;
  };
};

export const badRequest = (what: string) => cliError(CliCode.BadRequest, `control: ${what}`);

/**
 * The string field `key`, '' included: the socket checks types only, and what a string
 * says (an empty name, a group nobody has) is the core's to refuse, with the code and
 * words the command prints alone (`group rename team ""`: E_BAD_GROUP_NAME either way).
 */
export function textField(raw: Record<string, unknown>, key: string): string {
  const v = raw[key];
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v;
}

/** No fields: the request kinds that only ask. */
export type NoFields = Record<never, never>;
export const noFields = (): NoFields => ({});

/** An optional number of milliseconds, as `{ [key]: n }`, or nothing. */
export function optionalMs(raw: Record<string, unknown>, key: string): { [k: string]: number } {
  const v = raw[key];
  if (v === undefined) return {};
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw badRequest(`${key}: milliseconds`);
  return { [key]: v };
}
