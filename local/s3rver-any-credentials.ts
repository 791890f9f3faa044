/**
 * The local stack accepts any AWS credentials, so a user's default profile works as well as dummy keys.
 * s3rver knows one access key (S3RVER) and refuses others with InvalidAccessKeyId before it looks at a signature
 * (it does not verify SigV4 signatures at all); this lends its dummy account to every access key. Import it once in
 * a process that runs s3rver.
 */
import { createRequire } from 'node:module';

interface AccountRegistry {
  get(accessKeyId: string): unknown;
}

const require = createRequire(import.meta.url);
const AWSAccount = require('s3rver/lib/models/account.js') as { registry: AccountRegistry; DUMMY_ACCOUNT: unknown };
const patched = Symbol.for('capture-router.s3rver-any-credentials');
const registry = AWSAccount.registry as AccountRegistry & Record<symbol, boolean>;

if (!registry[patched]) {
  const known = registry.get.bind(registry);
  registry.get = (accessKeyId: string) => known(accessKeyId) ?? AWSAccount.DUMMY_ACCOUNT;
  registry[patched] = true;
}
