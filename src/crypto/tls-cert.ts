/**
 * The secure channel's key material (DESIGN.md §2, issue 10): every client↔relay
 * connection runs inside TLS 1.3 (node:tls), and this module holds the parts of it
 * that are crypto rather than sockets.
 *
 * - The relay's certificate is self-signed and its key IS the relay's long-term
 *   Ed25519 key (the relay id), so TLS 1.3's CertificateVerify proves the relay holds
 *   the key clients pin. There is no CA: clients ignore issuer, names and dates and
 *   compare the certificate's raw Ed25519 key with the relay id (certificateSignKey).
 *   It is made at relay start from a fixed template (certificateDer) and signed with
 *   node:crypto; the seed leaves src/crypto only as the PEM that node:tls needs.
 * - The channel binding is a TLS exporter (RFC 5705 / RFC 8446 §7.5, used as RFC 9266
 *   uses it) under natter's own label; Register and Login sign it (sign.ts authMessage).
 */
import { type KeyObject, sign, type X509Certificate } from 'node:crypto';
import { bytesEqual } from '../util/bytes.js';
import { CryptoCode, cryptoError } from './errors.js';
import { randomBytes } from './random.js';
import { SIGN_PUBLIC_KEY_BYTES, SIGN_SECRET_KEY_BYTES, signingKeyObject } from './sign.js';

/** Both ends pin the version: TLS 1.3 encrypts the certificate and has no renegotiation. */
export const TLS_VERSION = 'TLSv1.3';
/**
 * TLS 1.3's suites, AES-128-GCM first (the relay's choice, whatever the client's order:
 * honorCipherOrder): TLS 1.3's mandatory suite, the one Go's TLS (nats-server) and the
 * browsers pick on a machine with AES instructions, and cheaper per byte than Node's
 * default AES-256-GCM (ten rounds against fourteen). The relay's writes and reads are
 * most of its work at saturation (issue 14; docs/decisions.md "AES-128-GCM first").
 */
export const TLS13_CIPHERS =
  'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
/** The exporter label (RFC 8446 §7.5); natter's own, so no other protocol's binding equals ours. */
export const CHANNEL_BINDING_LABEL = 'EXPORTER-natter-channel-binding';
/** 32 bytes, as RFC 9266's tls-exporter binding: a fixed part of authMessage. */
export const CHANNEL_BINDING_BYTES = 32;
/** Random bytes in a certificate serial number (RFC 5280 §4.1.2.2 allows up to 20 octets). */
export const CERT_SERIAL_BYTES = 16;

/**
 * The certificate's DER around its two variable parts, the serial number and the key (RFC
 * 5280 §4.1): every other byte is the same in every relay's certificate, so it is written
 * here rather than built by an ASN.1 library. Subject and issuer `CN=natter relay` (names
 * authenticate nothing here), valid from 2000-01-01 to 9999-12-31 23:59:59 (a relay makes a
 * new certificate at every start, so dates carry no meaning; §4.1.2.5), an Ed25519 key
 * (RFC 8410) and a critical key usage of digitalSignature only. @peculiar/x509, which made
 * these bytes before, held 10 MB of the relay's memory for the rest of its life (issue 14;
 * docs/decisions.md, "The relay's certificate from a template"); a unit test holds the
 * template to that library's output for the same key and serial, byte for byte.
 */
const ED25519 = [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70]; // AlgorithmIdentifier id-Ed25519
const NAME = [0x30, 0x17, 0x31, 0x15, 0x30, 0x13, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x0c];
const NAME_TEXT = [...Buffer.from('natter relay', 'latin1')];
const VALIDITY = [
  ...[0x30, 0x20, 0x17, 0x0d, ...Buffer.from('000101000000Z', 'latin1')],
  ...[0x18, 0x0f, ...Buffer.from('99991231235959Z', 'latin1')],
];
/** TBSCertificate (178 bytes) up to the serial: version v3 and the serial's INTEGER header. */
const TBS_HEAD = Uint8Array.from([0x30, 0x81, 0xb2, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x10]);
/** From the signature algorithm to the key: issuer, validity, subject, the key's header. */
const TBS_MIDDLE = Uint8Array.from([
  ...ED25519,
  ...NAME,
  ...NAME_TEXT,
  ...VALIDITY,
  ...NAME,
  ...NAME_TEXT,
  ...[0x30, 0x2a, ...ED25519, 0x03, 0x21, 0x00],
]);
/** The extensions: keyUsage, critical, digitalSignature. */
const TBS_TAIL = Uint8Array.from([
  0xa3, 0x12, 0x30, 0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff, 0x04, 0x04,
  0x03, 0x02, 0x07, 0x80,
]);
/** The Certificate's header (255 bytes), and the signature algorithm and value's header. */
const CERT_HEAD = Uint8Array.from([0x30, 0x81, 0xff]);
const SIGNATURE_HEAD = Uint8Array.from([...ED25519, 0x03, 0x41, 0x00]);

/**
 * The certificate's DER for `publicKey` and `serial` (CERT_SERIAL_BYTES, top bits 01: a
 * positive INTEGER with no leading zero octet), signed by `privateKey` (Ed25519 signatures
 * are deterministic: the same inputs give the same bytes).
 */
export function certificateDer(
  publicKey: Uint8Array,
  privateKey: KeyObject,
  serial: Uint8Array,
): Buffer {
  if (serial.length !== CERT_SERIAL_BYTES || ((serial[0] ?? 0) & 0xc0) !== 0x40) {
    throw cryptoError(CryptoCode.BadArgument, 'tls: a certificate serial is 16 bytes, 01 on top');
  }
  const tbs = Buffer.concat([TBS_HEAD, serial, TBS_MIDDLE, publicKey, TBS_TAIL]);
  return Buffer.concat([CERT_HEAD, tbs, SIGNATURE_HEAD, sign(null, tbs, privateKey)]);
}

/** What node:tls's createServer takes: the certificate and its private key, both PEM. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

/**
 * A self-signed X.509 certificate for the relay's signing key pair (64-byte secret key,
 * 32-byte public key = the relay id), with a fresh serial. Rejects with E_BAD_KEY on a
 * malformed key pair.
 */
export async function relayCertificate(relay: {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}): Promise<TlsCredentials> {
  const privateKey: KeyObject = signingKeyObject(relay.secretKey);
  if (
    !bytesEqual(
      relay.publicKey,
      relay.secretKey.subarray(SIGN_SECRET_KEY_BYTES - SIGN_PUBLIC_KEY_BYTES),
    )
  ) {
    throw cryptoError(CryptoCode.BadKey, "tls: the public key is not the secret key's half");
  }
  const serial = randomBytes(CERT_SERIAL_BYTES);
  // Positive (top bit clear) and minimal (no leading zero octet), as DER wants an INTEGER.
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  const der = certificateDer(relay.publicKey, privateKey, serial).toString('base64');
  const lines = der.match(/.{1,64}/g) ?? [];
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  };
}

/**
 * The raw 32-byte Ed25519 public key of a peer certificate: what the client compares
 * with the relay id. Throws E_BAD_KEY for no certificate or a key of another type.
 */
export function certificateSignKey(cert: X509Certificate | undefined): Uint8Array {
  if (cert === undefined) {
    throw cryptoError(CryptoCode.BadKey, 'tls: the relay presented no certificate');
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'ed25519') {
    throw cryptoError(
      CryptoCode.BadKey,
      `tls: the relay's certificate holds a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`,
    );
  }
  const raw = Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');
  if (raw.byteLength !== SIGN_PUBLIC_KEY_BYTES) {
    throw cryptoError(CryptoCode.BadKey, "tls: the relay's certificate key is malformed");
  }
  return new Uint8Array(raw);
}

/** The part of a TLS socket (either end) that the binding needs. */
export interface KeyingMaterialSource {
  exportKeyingMaterial(length: number, label: string, context: Buffer): Buffer;
}

/** In TLS 1.3 an empty context and no context give the same exporter (RFC 8446 §7.5). */
const NO_CONTEXT = Buffer.alloc(0);

/** This connection's channel binding; both ends of one TLS session compute the same bytes. */
export function channelBinding(socket: KeyingMaterialSource): Uint8Array {
  return new Uint8Array(
    socket.exportKeyingMaterial(CHANNEL_BINDING_BYTES, CHANNEL_BINDING_LABEL, NO_CONTEXT),
  );
}
