/** The names of a local stack's resources, derived from its stack name as the deployed stack derives them. */
import { LOCAL_ACCOUNT, LOCAL_REGION } from './clients.js';

export const CAPTURE_BUCKET = 'datacapture';

export interface StackNames {
  captureBucket: string;
  artifactsBucket: string;
  mappingsTable: string;
  ingestionsTable: string;
  stateMachineName: string;
  /** The Express state machine TerminalFailureRule starts (statemachines/record-terminal.asl.yml). */
  recordTerminalStateMachineName: string;
  /** statemachines/backfill.asl.yml's machine, served by the same Step Functions endpoint. */
  backfillStateMachineName: string;
  validateFunctionArn: string;
  uploadFunctionArn: string;
  backfillFunctionArn: string;
  /** The target of the capture bucket's notification rule. */
  routerFunctionArn: string;
  /** The secret holding the Arthur token, created in the local Secrets Manager at start. */
  localSecretName: string;
  /**
   * ARTHUR_TOKEN_SECRET_ARN: the secret's ARN without its random suffix (a partial ARN), as the deployed default
   * `…:secret:{mappingSecretPrefix}arthur-token` is.
   */
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
    recordTerminalStateMachineName: `${stackName}-record-terminal`,
    backfillStateMachineName: `${stackName}-backfill`,
    validateFunctionArn: functionArn('validate'),
    uploadFunctionArn: functionArn('upload'),
    backfillFunctionArn: functionArn('backfill'),
    routerFunctionArn: functionArn('router'),
    localSecretName: `${stackName}/arthur-local`,
    localSecretArn: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${stackName}/arthur-local`,
  };
}
