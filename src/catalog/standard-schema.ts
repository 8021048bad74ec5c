/**
 * The part of the Standard Schema interface (version 1) that eventrail relies on, declared
 * structurally so that any implementation fits: zod, valibot, arktype and others.
 */
export interface StandardSchema<Input = unknown, Output = Input> {
  /** The Standard Schema properties: its version, the vendor, and the `validate` function. */
  readonly '~standard': {
    /** The version of the Standard Schema interface. */
    readonly version: 1;
    /** The library that made the schema, e.g. `zod`. */
    readonly vendor: string;
    /** Validates a value: its output, or the issues found (possibly asynchronously). */
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    /** The input and output types, for inference only. */
    readonly types?:
      | {
          /** The type the schema accepts. */
          readonly input: Input;
          /** The type it makes of it. */
          readonly output: Output;
        }
      | undefined;
  };
}

/** A Standard Schema validation result: the value, or the issues found. */
export type StandardResult<Output> =
  | {
      /** The validated (and maybe transformed) value. */
      readonly value: Output;
      /** None: the value is valid. */
      readonly issues?: undefined;
    }
  | {
      /** What is wrong with the value, one issue each. */
      readonly issues: ReadonlyArray<{
        /** What is wrong, for people. */
        readonly message: string;
        /** Where in the value, from its root. */
        readonly path?:
          | ReadonlyArray<
              | PropertyKey
              | {
                  /** One step of the path. */
                  readonly key: PropertyKey;
                }
            >
          | undefined;
      }>;
    };

/** The input type a Standard Schema accepts. */
export type SchemaInput<S> = S extends StandardSchema<infer Input, unknown> ? Input : never;
