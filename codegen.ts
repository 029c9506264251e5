// Typed client documents for partners and tests: `npm run codegen` reads the printed schema and
// the example operations, and writes TypedDocumentNode objects with their result and variable
// types to client/generated/. The output is committed; a test fails when it is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

export const codegenConfig = {
  schema: 'schema.graphql',
  documents: ['client/operations/*.graphql'],
  // A document that does not match the schema stops the run.
  ignoreNoDocuments: false,
  silent: true,
  generates: {
    'client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // DateTime travels as an ISO 8601 string.
        scalars: { DateTime: 'string' },
        strictScalars: true,
        enumsAsTypes: true,
        useTypeImports: true,
        // Relative imports end in .js, as Node's ESM resolution and `moduleResolution: NodeNext` need.
        emitLegacyCommonJSImports: false,
      },
    },
  },
} satisfies CodegenConfig;

export default codegenConfig;
