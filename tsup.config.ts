import { defineConfig, type Options } from 'tsup';

const common: Options = {
  entry: {
    index: 'src/index.ts',
    postgres: 'src/postgres/index.ts',
    rabbitmq: 'src/rabbitmq/index.ts',
    nats: 'src/nats/index.ts',
    schema: 'src/schema.ts',
    http: 'src/http/index.ts',
    otel: 'src/otel/index.ts',
    cli: 'src/cli.ts',
  },
  // The published declarations hold the public API only: whatever is tagged `@internal` is left out.
  dts: { compilerOptions: { stripInternal: true } },
  // Shared chunks keep one copy of each class per format, so `instanceof ValidationError`
  // holds across entry points.
  splitting: true,
  shims: true,
  sourcemap: true,
  target: 'node20',
};

export default defineConfig([
  { ...common, format: 'esm', clean: true },
  { ...common, format: 'cjs' },
]);
