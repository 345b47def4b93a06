/**
 * The authentication frames, Register and Login (proto/natter.proto), for the frame
 * tables in frames.ts. `quiet` is written only when set: a session that is not quiet
 * keeps the bytes it had before the field (Login.quiet, issue 13; Register.quiet).
 */
import { exactBytes, pseudonym } from '../check.js';
import type { natter as pb } from '../gen/natter.js';
import { KEY_BYTES, SIGNATURE_BYTES } from '../limits.js';
import type { FrameOf } from '../types.js';
import { decodeCard, encodeCard } from './cards.js';

const quietly = (quiet: boolean) => (quiet ? { quiet: true } : {});

export const authEncoders = {
  register: (f: FrameOf<'register'>): pb.Frame.$Properties => ({
    register: { card: encodeCard(f.card), sig: f.sig, ...quietly(f.quiet) },
  }),
  login: (f: FrameOf<'login'>): pb.Frame.$Properties => ({
    login: {
      pseudonym: f.pseudonym,
      userId: f.userId,
      sig: f.sig,
      ...(f.card ? { card: encodeCard(f.card) } : {}),
      ...quietly(f.quiet),
    },
  }),
};

export const authDecoders = {
  register: (m: pb.IRegister): FrameOf<'register'> => ({
    type: 'register',
    card: decodeCard('register.card', m.card),
    sig: exactBytes('register.sig', m.sig, SIGNATURE_BYTES),
    quiet: m.quiet === true,
  }),
  login: (m: pb.ILogin): FrameOf<'login'> => ({
    type: 'login',
    pseudonym: pseudonym('login.pseudonym', m.pseudonym),
    userId: exactBytes('login.user_id', m.userId, KEY_BYTES),
    sig: exactBytes('login.sig', m.sig, SIGNATURE_BYTES),
    card: m.card ? decodeCard('login.card', m.card) : null,
    quiet: m.quiet === true,
  }),
};
