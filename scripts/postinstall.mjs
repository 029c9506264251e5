/* global process, console */
// Runs after `npm install`: makes sure the argon2 binding works here, then generates the Prisma
// client and the Pothos types.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const run = (command, args, env = process.env) =>
  spawnSync(command, args, { stdio: 'inherit', env, shell: process.platform === 'win32' }).status ?? 1;

// argon2 ships prebuilt binaries; on some machines the prebuilt one crashes at load. A binding
// compiled here (node-gyp, with the toolchain Node's native addons need) is then used instead.
const probe = spawnSync(process.execPath, ['-e', "require('argon2').hash('probe').then(() => process.exit(0))"]);
if (probe.status !== 0) {
  console.log('argon2: the prebuilt binding does not load here; compiling it from source');
  const status = run('npm', ['rebuild', 'argon2'], { ...process.env, npm_config_build_from_source: 'true' });
  if (status !== 0) process.exit(status);
}

// `prisma generate` never calls Prisma's native schema engine, but the CLI looks for one and
// would try to download it. Pointing it at any executable (this Node binary) satisfies that check
// on machines that cannot reach Prisma's servers.
const cli = require.resolve('prisma/build/index.js');
const env = {
  ...process.env,
  // The Pothos types generator is a bin of this project's dependencies.
  PATH: [path.resolve('node_modules/.bin'), process.env.PATH].join(path.delimiter),
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
process.exit(run(process.execPath, [cli, 'generate', '--schema', 'prisma/schema.prisma'], env));
