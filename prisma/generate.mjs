// Runs `prisma generate` without Prisma's native schema engine: generation never calls the
// engine, but the CLI looks for one and would try to download it. Pointing it at any executable
// (this Node binary) satisfies that check on machines that cannot reach Prisma's servers.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const env = {
  ...process.env,
  // The Pothos types generator is a bin of this project's dependencies.
  PATH: [path.resolve('node_modules/.bin'), process.env.PATH].join(path.delimiter),
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const result = spawnSync(process.execPath, [cli, 'generate', '--schema', 'prisma/schema.prisma'], {
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);
