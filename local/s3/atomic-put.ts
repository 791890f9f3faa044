/** s3rver's PUT made atomic, as S3's is (docs/LOCAL.md, "S3"). */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

/** The part of s3rver's filesystem store that {@link makePutsAtomic} replaces and uses. */
interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<unknown>;
  putObject(object: { bucket: string; key: string; content: Buffer | NodeJS.ReadableStream; metadata: unknown }): Promise<{ size: number; md5: string }>;
}

/**
 * Makes s3rver's PUT atomic, as S3's is: the bytes go to a temporary file renamed over the object, so a reader
 * (ValidateCapture, started by the PUT's own event) sees the old bytes or the new ones, never a truncated mix.
 * Why s3rver 3.7.1 needs it: docs/LOCAL.md, "S3".
 */
export function makePutsAtomic(server: S3rver): void {
  const store = (server as unknown as { store: S3rverStore }).store;
  store.putObject = async function putObject(object) {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    // Not ending in `._S3rver_object`: listings skip it while it is being written.
    const temporary = `${objectPath}.incoming-${randomBytes(6).toString('hex')}`;
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : (object.content as Readable);
    try {
      await pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            md5.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        createWriteStream(temporary),
      );
      await rename(temporary, objectPath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}
