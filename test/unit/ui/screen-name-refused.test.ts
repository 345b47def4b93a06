/**
 * The relay refuses the name a first run chose while it was down (a QA trial: the chat sat
 * at "relay closed" with its messages pending until restarted): the screen says so and
 * hands the refusal, once, to the caller that asks for another name (natter chat).
 */
import assert from 'node:assert/strict';
import { NatterError } from '../../../src/util/errors.js';
import { destroyAll, type Harness, noticeText, start } from './harness.js';

const TAKEN = { code: 'E_PSEUDONYM_TAKEN', message: "register: 'me' is already taken" };

/** The relay came back and refused the Register: the core gives up for good. */
function refused(h: Harness, refusal: { code: string; message: string }): void {
  h.core.emit('connection:state', { state: 'closed' });
  h.core.emit('error', { ...refusal, fatal: true });
}

describe('ui screen: the relay refuses the name being registered', () => {
  afterEach(destroyAll);

  it('says so in plain words and asks the caller for another name, once', async () => {
    const told: { code: string; message: string }[] = [];
    const h = await start({ nameRefused: (r) => told.push(r) });
    await h.settle();
    refused(h, TAKEN);
    await h.settle();
    refused(h, TAKEN);
    await h.settle();
    assert.deepEqual(told, [TAKEN]);
    assert.match(noticeText(h), /^the relay refused the name \S+: choose another$/);
  });

  it('hands on a name the relay will not take as a name, and a refusal of connect() too', async () => {
    const told: string[] = [];
    const h = await start({
      nameRefused: (r) => told.push(r.code),
      setup: (core) => {
        core.connect = async () => {
          core.connects++;
          throw new NatterError('E_BAD_PSEUDONYM', "register: the name 'x' mixes scripts");
        };
      },
    });
    await h.settle();
    assert.deepEqual(told, ['E_BAD_PSEUDONYM']);
  });

  it('only says the refusal where no caller asks for another name', async () => {
    const h = await start();
    await h.settle();
    refused(h, TAKEN);
    await h.settle();
    assert.match(noticeText(h), /already taken \(E_PSEUDONYM_TAKEN\)$/);
  });
});
