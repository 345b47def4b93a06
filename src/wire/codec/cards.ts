/**
 * The user card (identity key, pseudonym, box key, and the signature over all
 * three), nested in frames and presence datagrams alike: one encoder and one
 * validator for every place it appears.
 */
import { exactBytes, pseudonym, required } from '../check.js';
import type { natter as pb } from '../gen/natter.js';
import { KEY_BYTES, SIGNATURE_BYTES } from '../limits.js';
import type { Card } from '../types.js';

export function encodeCard(card: Card): pb.Card.$Properties {
  return {
    userId: card.userId,
    pseudonym: card.pseudonym,
    boxPk: card.boxPk,
    cardSig: card.cardSig,
  };
}

/** A present, fully valid card; `field` names it in errors ('register.card'). */
export function decodeCard(field: string, value: pb.Card.$Properties | null | undefined): Card {
  const c = required(field, value);
  return {
    userId: exactBytes(`${field}.user_id`, c.userId, KEY_BYTES),
    pseudonym: pseudonym(`${field}.pseudonym`, c.pseudonym),
    boxPk: exactBytes(`${field}.box_pk`, c.boxPk, KEY_BYTES),
    cardSig: exactBytes(`${field}.card_sig`, c.cardSig, SIGNATURE_BYTES),
  };
}
