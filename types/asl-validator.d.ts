declare module "asl-validator" {
  interface AslValidationError {
    readonly message?: string;
    readonly path?: string;
    readonly [key: string]: unknown;
  }
  function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: AslValidationError[] };
  export = validator;
}
