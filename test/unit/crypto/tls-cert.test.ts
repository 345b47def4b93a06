import assert from 'node:assert/strict';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { generateSigningKeyPair, signingKeyObject } from '../../../src/crypto/sign.js';
import {
  CERT_SERIAL_BYTES,
  CHANNEL_BINDING_BYTES,
  CHANNEL_BINDING_LABEL,
  certificateDer,
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

  it('is byte for byte the certificate @peculiar/x509 makes for the same key and serial', async () => {
    // The library that made the relay's certificates before the template (a dev dependency
    // now): same names, dates, key usage and serial; Ed25519 signs deterministically.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    const alg = { name: 'Ed25519' };
    for (let round = 0; round < 3; round++) {
      const relay = generateSigningKeyPair();
      const privateKey = signingKeyObject(relay.secretKey);
      const serial = new Uint8Array(CERT_SERIAL_BYTES).map((_, i) => (round * 31 + i * 7) & 0xff);
      serial[0] = 0x40 | round;
      const keys = {
        privateKey: await webcrypto.subtle.importKey(
          'pkcs8',
          privateKey.export({ format: 'der', type: 'pkcs8' }),
          alg,
          false,
          ['sign'],
        ),
        publicKey: await webcrypto.subtle.importKey('raw', relay.publicKey, alg, true, ['verify']),
      };
      const made = await x509.X509CertificateGenerator.createSelfSigned(
        {
          serialNumber: Buffer.from(serial).toString('hex'),
          name: 'CN=natter relay',
          notBefore: new Date(Date.UTC(2000, 0, 1)),
          notAfter: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)),
          signingAlgorithm: alg,
          keys,
          extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
        },
        webcrypto as unknown as Parameters<
          typeof x509.X509CertificateGenerator.createSelfSigned
        >[1],
      );
      assert.equal(
        certificateDer(relay.publicKey, privateKey, serial).toString('hex'),
        Buffer.from(made.rawData).toString('hex'),
      );
    }
  });

  it('refuses a serial that is not 16 bytes with 01 on top (E_BAD_ARGUMENT)', () => {
    const relay = generateSigningKeyPair();
    const key = signingKeyObject(relay.secretKey);
    for (const serial of [
      new Uint8Array(15).fill(0x41),
      new Uint8Array(16),
      new Uint8Array(16).fill(0x80),
    ])
      assert.throws(
        () => certificateDer(relay.publicKey, key, serial),
        (e) => isNatterError(e, 'E_BAD_ARGUMENT'),
      );
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
    // A public key that is not the secret key's own half: the certificate would name another.
    const other = generateSigningKeyPair();
    await assert.rejects(relayCertificate({ ...relay, publicKey: other.publicKey }), (e) =>
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
