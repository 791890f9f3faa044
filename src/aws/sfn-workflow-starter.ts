import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import {
  WorkflowStartError,
  type StartWorkflowRequest,
  type StartWorkflowResult,
  type WorkflowStarter,
} from './workflow-starter.js';

/**
 * Starts the ingest state machine with StartExecution. The client is injected: built once per container, and
 * pointed at a local endpoint by AWS_ENDPOINT_URL_SFN in tests and the local stack.
 */
export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start({ name, input }: StartWorkflowRequest): Promise<StartWorkflowResult> {
    try {
      const output = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      if (!output.executionArn) throw new Error('StartExecution answered without an executionArn');
      return { started: true, alreadyExists: false, executionArn: output.executionArn, startDate: output.startDate };
    } catch (error) {
      // The name is derived from the object's identity: an existing execution means this file was already
      // handed over (a re-delivered event, a re-upload of the same bytes, a replay). Not an error.
      if (error instanceof ExecutionAlreadyExists || (error as Error | undefined)?.name === 'ExecutionAlreadyExists') {
        const executionArn = executionArnOf(this.stateMachineArn, name);
        return executionArn ? { started: false, alreadyExists: true, executionArn } : { started: false, alreadyExists: true };
      }
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new WorkflowStartError(name, `StartExecution ${name} on ${this.stateMachineArn} failed: ${detail}`, { cause: error });
    }
  }
}

/** arn:…:stateMachine:{machine} → arn:…:execution:{machine}:{name}, the ARN Step Functions gives that execution. */
function executionArnOf(stateMachineArn: string, name: string): string | undefined {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:([^:]+)$/.exec(stateMachineArn);
  return match ? `${match[1]}:execution:${match[2]}:${name}` : undefined;
}
