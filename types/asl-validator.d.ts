declare module 'asl-validator' {
  interface AslValidatorOptions {
    checkPaths?: boolean;
    checkArn?: boolean;
  }
  interface AslValidatorResult {
    isValid: boolean;
    errors: Array<{ 'Error code': string; Message: string }>;
    errorsText(separator?: string): string;
  }
  function aslValidator(definition: unknown, options?: AslValidatorOptions): AslValidatorResult;
  export default aslValidator;
}
