import assert from 'node:assert/strict';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { generateSigningKeyPair } from '../../../src/crypto/sign.js';
import {
  CHANNEL_BINDING_BYTES,
  CHANNEL_BINDING_LABEL,
  certificateSignKey,
  channelBinding,
  relayCertificate,
} from '../../../src/crypto/tls-cert.js';
import { toHex } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';

describe('tls-cert: the relay certificate and the channel binding', () => {
  it('makes a self-signed Ed25519 certificate whose key is the relay id', async () => {
    const relay = generateSigningKeyPair();
    const { cert, key } = await relayCertificate(relay);
    const x = new X509Certificate(cert);
    assert.equal(x.publicKey.asymmetricKeyType, 'ed25519');
    assert.equal(toHex(certificateSignKey(x)), toHex(relay.publicKey));
    assert.ok(x.verify(x.publicKey), 'signed by its own key');
    assert.ok(x.checkPrivateKey(createPrivateKey(key)));
    assert.equal(x.subject, 'CN=natter relay');
  });

  it('gives every certificate a fresh positive serial number', async () => {
    const relay = generateSigningKeyPair();
    const a = new X509Certificate((await relayCertificate(relay)).cert);
    const b = new X509Certificate((await relayCertificate(relay)).cert);
    assert.notEqual(a.serialNumber, b.serialNumber);
    assert.ok(Number.parseInt(a.serialNumber.slice(0, 2), 16) < 0x80);
  });

  it('refuses a malformed relay key pair with E_BAD_KEY', async () => {
    const relay = generateSigningKeyPair();
    const wrongHalf = Uint8Array.from(relay.secretKey);
    wrongHalf[40]! ^= 1;
    await assert.rejects(relayCertificate({ ...relay, secretKey: wrongHalf }), (e) =>
      isNatterError(e, 'E_BAD_KEY'),
    );
  });

  it('reads no key from a missing certificate or one of another key type (E_BAD_KEY)', async () => {
    assert.throws(
      () => certificateSignKey(undefined),
      (e) => isNatterError(e, 'E_BAD_KEY'),
    );
    // An ECDSA certificate, made with the same library the relay uses.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(alg, false, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const ec = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=not a relay',
      keys,
      signingAlgorithm: alg,
    });
    assert.throws(
      () => certificateSignKey(new X509Certificate(ec.toString('pem'))),
      (e) => isNatterError(e, 'E_BAD_KEY'),
    );
  });

  it("asks the socket for 32 bytes of exporter under natter's own label", () => {
    const asked: [number, string, number][] = [];
    const binding = channelBinding({
      exportKeyingMaterial(length, label, context) {
        asked.push([length, label, context.length]);
        return Buffer.alloc(length, 7);
      },
    });
    assert.deepEqual(asked, [[CHANNEL_BINDING_BYTES, CHANNEL_BINDING_LABEL, 0]]);
    assert.equal(binding.length, 32);
    assert.equal(CHANNEL_BINDING_LABEL.startsWith('EXPORTER-'), true, 'RFC 5705 exporter labels');
  });
});
