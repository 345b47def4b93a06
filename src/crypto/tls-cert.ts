/**
 * The secure channel's key material (DESIGN.md §2, issue 10): every client↔relay
 * connection runs inside TLS 1.3 (node:tls), and this module holds the parts of it
 * that are crypto rather than sockets.
 *
 * - The relay's certificate is self-signed and its key IS the relay's long-term
 *   Ed25519 key (the relay id), so TLS 1.3's CertificateVerify proves the relay holds
 *   the key clients pin. There is no CA: clients ignore issuer, names and dates and
 *   compare the certificate's raw Ed25519 key with the relay id (certificateSignKey).
 *   It is made at relay start with @peculiar/x509 over Node's WebCrypto Ed25519; the
 *   seed leaves src/crypto only as the PEM that node:tls needs.
 * - The channel binding is a TLS exporter (RFC 5705 / RFC 8446 §7.5, used as RFC 9266
 *   uses it) under natter's own label; Register and Login sign it (sign.ts authMessage).
 */
import { type KeyObject, webcrypto, type X509Certificate } from 'node:crypto';
import { CryptoCode, cryptoError } from './errors.js';
import { randomBytes } from './random.js';
import { SIGN_PUBLIC_KEY_BYTES, signingKeyObject } from './sign.js';

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

/** The subject and issuer of every relay certificate: names authenticate nothing here. */
const CERT_NAME = 'CN=natter relay';
/** A relay makes a new certificate at every start, so dates carry no meaning; RFC 5280 §4.1.2.5. */
const NOT_BEFORE = new Date(Date.UTC(2000, 0, 1));
const NOT_AFTER = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));

/** What node:tls's createServer takes: the certificate and its private key, both PEM. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

/**
 * A self-signed X.509 certificate for the relay's signing key pair (64-byte secret key,
 * 32-byte public key = the relay id). Throws E_BAD_KEY on a malformed key pair.
 */
export async function relayCertificate(relay: {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}): Promise<TlsCredentials> {
  const privateKey: KeyObject = signingKeyObject(relay.secretKey);
  // Loaded here, not at the top: clients import this module too and never make certificates.
  // @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const subtle = webcrypto.subtle;
  const alg = { name: 'Ed25519' };
  const keys = {
    privateKey: await subtle.importKey(
      'pkcs8',
      privateKey.export({ format: 'der', type: 'pkcs8' }),
      alg,
      false,
      ['sign'],
    ),
    publicKey: await subtle.importKey('raw', relay.publicKey, alg, true, ['verify']),
  };
  const serial = randomBytes(CERT_SERIAL_BYTES);
  // Positive (top bit clear) and minimal (no leading zero octet), as DER wants an INTEGER.
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(serial).toString('hex'),
      name: CERT_NAME,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      signingAlgorithm: alg,
      keys,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    },
    // Node's WebCrypto, explicitly: the library's default is a global that a test could replace.
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  return {
    cert: cert.toString('pem'),
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
