/**
 * s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node 17+) moved to
 * its legacy provider: every truncated listing then fails with InternalError. Three-key DES with K1 = K2 = K3 is
 * single DES, byte for byte, and stays in the default provider; this maps one onto the other for s3rver only
 * (nothing else in the process asks for 'des'). Import it once, before the first listing, in every process that
 * runs s3rver.
 */
import crypto from 'node:crypto';

type Cipheriv = typeof crypto.createCipheriv;
type Decipheriv = typeof crypto.createDecipheriv;
const patched = Symbol.for('capture-router.s3rver-des-shim');

if (!(crypto as unknown as Record<symbol, boolean>)[patched]) {
  const createCipheriv = crypto.createCipheriv.bind(crypto) as Cipheriv;
  const createDecipheriv = crypto.createDecipheriv.bind(crypto) as Decipheriv;
  const tripled = (key: crypto.CipherKey) => Buffer.concat([key, key, key] as Buffer[]);
  (crypto as unknown as { createCipheriv: unknown }).createCipheriv = ((algorithm: string, key: Buffer, iv: Buffer, options?: unknown) =>
    algorithm === 'des' ? createCipheriv('des-ede3-cbc', tripled(key), iv) : createCipheriv(algorithm, key, iv, options as never)) as Cipheriv;
  (crypto as unknown as { createDecipheriv: unknown }).createDecipheriv = ((algorithm: string, key: Buffer, iv: Buffer, options?: unknown) =>
    algorithm === 'des' ? createDecipheriv('des-ede3-cbc', tripled(key), iv) : createDecipheriv(algorithm, key, iv, options as never)) as Decipheriv;
  (crypto as unknown as Record<symbol, boolean>)[patched] = true;
}
