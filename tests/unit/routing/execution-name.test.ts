import { describe, expect, it } from '@jest/globals';
import { contentHash, executionName, MAX_EXECUTION_NAME_LENGTH } from '../../../src/routing/execution-name.js';

const NAME = /^[0-9A-Za-z_-]{1,80}$/;
const base = {
  bucket: 'datacapture',
  key: 'captures/churn-endpoint/AllTraffic/2024/05/01/13/05-31-123-0d9a8e1f-2b3c-4d5e-8f90-a1b2c3d4e5f6.jsonl',
  etag: '9b2cf535f27731c974343645a3985328',
};

describe('executionName', () => {
  it('starts with the endpoint, variant and file name of a SageMaker capture key, and ends with the hash', () => {
    const name = executionName(base);
    expect(name).toMatch(/^churn-endpoint-AllTraffic-05-31-123-0d9a8e1f-2b3c-[0-9a-f-]*-[0-9a-f]{24}$/);
    expect(name.endsWith(`-${contentHash(base)}`)).toBe(true);
  });

  it.each([
    ['a SageMaker key', base.key],
    ['a key at the bucket root', 'file.jsonl'],
    ['a very long key', `${'deep/'.repeat(150)}${'f'.repeat(200)}.jsonl`],
    ['a very long endpoint name', `c/${'e'.repeat(63)}/${'v'.repeat(63)}/2024/05/01/13/${'x'.repeat(100)}.jsonl`],
    ['spaces and plus signs', 'captures/my endpoint/a+b/file name.jsonl'],
    ['accents, CJK and emoji', 'captures/modèle-ü/模型/🚀 rocket.jsonl'],
    ['only characters that cannot be kept', '模型/🚀/数据.jsonl'],
    ['slashes, dots and specials', '//a/./b/../c/%#?*[]{}:;,|~`$&.jsonl'],
    ['control characters', 'a/\u0000\u0007\n/\t.jsonl'],
    ['lone surrogates', 'a/\ud83d/\ude80.jsonl'],
  ])('gives %s a name of at most 80 characters of [0-9A-Za-z_-]', (_case, key) => {
    const name = executionName({ ...base, key });
    expect(name.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME_LENGTH);
    expect(name).toMatch(NAME);
    expect(name).not.toMatch(/^[-_]|--/);
  });

  it('keeps Latin letters readable without their accents', () => {
    expect(executionName({ ...base, key: 'captures/modèle/Ünïcode/2024/05/01/13/café.jsonl' })).toMatch(/^modele-Unicode-cafe-[0-9a-f]{24}$/);
  });

  it('is the same for a re-delivered event and for a re-upload of the same bytes (new version, same ETag)', () => {
    expect(executionName(base)).toBe(executionName({ ...base }));
    expect(executionName({ ...base, versionId: 'v1' })).toBe(executionName({ ...base, versionId: 'v2' }));
  });

  it('is the same whether the ETag comes quoted (listings) or bare (events)', () => {
    expect(executionName({ ...base, etag: `"${base.etag}"` })).toBe(executionName(base));
    expect(executionName({ ...base, etag: base.etag.toUpperCase() })).toBe(executionName(base));
  });

  it.each([
    ['ETag', { etag: '0000f535f27731c974343645a3985328' }],
    ['bucket', { bucket: 'other-bucket' }],
    ['key', { key: base.key.replace('05-31-123', '05-31-124') }],
    ['multipart ETag suffix', { etag: `${base.etag}-2` }],
  ])('changes when the %s changes', (_case, change) => {
    expect(executionName({ ...base, ...change })).not.toBe(executionName(base));
  });

  it('keeps bucket and key apart in the hash', () => {
    expect(contentHash({ bucket: 'a', key: 'b/c.jsonl', etag: 'e' })).not.toBe(contentHash({ bucket: 'a/b', key: 'c.jsonl', etag: 'e' }));
  });

  it('uses the version ID to tell writes apart only when there is no ETag', () => {
    const { etag: _etag, ...noEtag } = base;
    expect(executionName({ ...noEtag, versionId: 'v1' })).not.toBe(executionName({ ...noEtag, versionId: 'v2' }));
  });

  it('gives 100,000 keys that share their readable part 100,000 different names', () => {
    const names = new Set<string>();
    for (let i = 0; i < 100_000; i += 1) {
      names.add(executionName({ ...base, key: `captures/churn-endpoint/AllTraffic/2024/05/01/13/05-31-123-${'x'.repeat(60)}-${i}.jsonl` }));
    }
    expect(names.size).toBe(100_000);
  });
});
