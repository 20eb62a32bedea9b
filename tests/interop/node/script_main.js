// What the interop scripts share: `--name value` arguments and the way a script ends (one JSON line and exit 0, or
// `STATUS <CODE> <detail>` and exit 1 for a failed call).
'use strict';

const grpc = require('@grpc/grpc-js');

const STATUS_NAMES = Object.fromEntries(Object.entries(grpc.status).filter(([, code]) => typeof code === 'number').map(([name, code]) => [code, name]));

// Pairs of `--name value` among `names`, over `defaults`; anything else exits 2.
function parseArgs(argv, names, defaults) {
  const args = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!names.includes(name) || argv[i + 1] === undefined) {
      process.stderr.write(`bad argument ${argv[i]}\n`);
      process.exit(2);
    }
    args[name] = argv[i + 1];
  }
  return args;
}

// Runs `run(args)` and ends the process with its result or its gRPC status.
function main(run, args) {
  run(args).then(
    (result) => { process.stdout.write(`${JSON.stringify(result)}\n`); process.exit(0); },
    (error) => {
      if (typeof error.code !== 'number') throw error;
      process.stdout.write(`STATUS ${STATUS_NAMES[error.code]} ${String(error.details || '').replace(/\n/g, ' ')}\n`);
      process.exit(1);
    },
  );
}

module.exports = { STATUS_NAMES, parseArgs, main };
