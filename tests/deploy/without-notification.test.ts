/**
 * `--param captureBucketNotification=false`: the deploy for a bucket whose per-model Arthur rules the router's rule
 * would overlap (S3 refuses it, and CloudFormation rolls the stack back). The stack then has the router but no S3
 * trigger — only the permission S3 needs to invoke it once `capture-router migrate --apply` puts the router's rule
 * on the bucket in the same PutBucketNotificationConfiguration that takes the old rules out.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { type Packaged, packageService, resourcesOfType } from '../support/cloudformation.js';

let packaged: Packaged;
beforeAll(async () => {
  packaged = await packageService({ captureBucketExisting: 'true', captureBucketName: 'acme-sagemaker-captures', captureBucketNotification: 'false' });
}, 180_000);
afterAll(() => {
  if (packaged) rmSync(packaged.dir, { recursive: true, force: true });
});

it('adds no notification to the bucket, neither by the custom resource nor on a bucket resource', () => {
  const t = packaged.template;
  expect(resourcesOfType(t, 'Custom::S3')).toEqual([]);
  expect(resourcesOfType(t, 'AWS::S3::Bucket').filter(([, b]) => b.Properties?.NotificationConfiguration)).toEqual([]);
  // The custom resource's own function is not deployed either: nothing of the stack writes the bucket's rules.
  expect(Object.keys(t.Resources).filter((id) => /CustomDashresourceDashexistingDashs3/i.test(id))).toEqual([]);
});

it('lets S3 of this account invoke the router from that bucket only: what migrate --apply points the rule at', () => {
  const t = packaged.template;
  const permissions = resourcesOfType(t, 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 's3.amazonaws.com');
  expect(permissions).toHaveLength(1);
  expect(permissions[0]![1].Properties).toEqual({
    Action: 'lambda:InvokeFunction',
    FunctionName: { 'Fn::GetAtt': ['RouterLambdaFunction', 'Arn'] },
    Principal: 's3.amazonaws.com',
    SourceArn: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::acme-sagemaker-captures' },
    SourceAccount: { Ref: 'AWS::AccountId' },
  });
  expect(t.Resources.RouterLambdaFunction).toBeDefined();
});
