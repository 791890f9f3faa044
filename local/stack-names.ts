/** The names of a local stack's resources, derived from its stack name as the deployed stack derives them. */
import { LOCAL_ACCOUNT, LOCAL_REGION } from './clients.js';

export const CAPTURE_BUCKET = 'datacapture';

export interface StackNames {
  captureBucket: string;
  artifactsBucket: string;
  mappingsTable: string;
  ingestionsTable: string;
  stateMachineName: string;
  /** statemachines/backfill.asl.yml's machine, served by the same Step Functions endpoint. */
  backfillStateMachineName: string;
  validateFunctionArn: string;
  uploadFunctionArn: string;
  backfillFunctionArn: string;
  /** The target of the capture bucket's notification rule. */
  routerFunctionArn: string;
  /** Names a secret that does not exist locally: the stack's UploadPart gets its token from a function. */
  localSecretArn: string;
}

export function stackNames(stackName = 'capture-router-local'): StackNames {
  const functionArn = (fn: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${stackName}-${fn}`;
  return {
    captureBucket: CAPTURE_BUCKET,
    artifactsBucket: `${stackName}-artifacts`,
    mappingsTable: `${stackName}-mappings`,
    ingestionsTable: `${stackName}-ingestions`,
    stateMachineName: `${stackName}-ingest`,
    backfillStateMachineName: `${stackName}-backfill`,
    validateFunctionArn: functionArn('validate'),
    uploadFunctionArn: functionArn('upload'),
    backfillFunctionArn: functionArn('backfill'),
    routerFunctionArn: functionArn('router'),
    localSecretArn: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${stackName}/arthur-local`,
  };
}
