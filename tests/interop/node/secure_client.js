#!/usr/bin/env node
// One call to MimmoServe's Inference or Health service with the given TLS and token settings; prints its status.
// The grpc-js twin of ../python/secure_client.py, with the same arguments and output:
//
//   node secure_client.js --target 127.0.0.1:PORT --call predict|get_model|list|health [--model NAME] [--data 1,2,3,4]
//        [--service NAME] [--token T] [--tls-ca PEM [--tls-server-name localhost] [--tls-cert PEM --tls-key PEM]] [--pad-header BYTES]
//
// Prints `STATUS <CODE> <detail>` and exits 0 whenever the call ended with a status; 2 for a usage error.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const TIMEOUT_MS = 10000;
const PROTO_DIR = path.resolve(__dirname, '..', '..', '..', 'protos');
const STATUS_NAMES = Object.fromEntries(Object.entries(grpc.status).filter(([, code]) => typeof code === 'number').map(([name, code]) => [code, name]));
const SERVING_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const CALLS = ['predict', 'get_model', 'list', 'health'];

function usage(message) {
  process.stderr.write(`${message}\nusage: node secure_client.js --target HOST:PORT --call ${CALLS.join('|')} [--model NAME] [--data CSV] `
    + '[--service NAME] [--token T] [--tls-ca PEM --tls-server-name NAME --tls-cert PEM --tls-key PEM] [--pad-header BYTES]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const names = {
    '--target': 'target', '--call': 'call', '--model': 'model', '--data': 'data', '--service': 'service', '--token': 'token', '--pad-header': 'padHeader',
    '--tls-ca': 'tlsCa', '--tls-server-name': 'tlsServerName', '--tls-cert': 'tlsCert', '--tls-key': 'tlsKey',
  };
  const args = { model: '', data: '', service: '', tlsServerName: 'localhost' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (!names[flag]) usage(`unknown argument ${argv[i]}`);
    const value = inline !== undefined ? inline : argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    args[names[flag]] = value;
  }
  if (!args.target || !CALLS.includes(args.call)) usage('--target and --call are required');
  return args;
}

function credentials(args) {
  if (!args.tlsCa) return { credentials: grpc.credentials.createInsecure(), options: {} };
  const key = args.tlsKey ? fs.readFileSync(args.tlsKey) : null;
  const cert = args.tlsCert ? fs.readFileSync(args.tlsCert) : null;
  return {
    credentials: grpc.credentials.createSsl(fs.readFileSync(args.tlsCa), key, cert),
    options: { 'grpc.ssl_target_name_override': args.tlsServerName, 'grpc.default_authority': args.tlsServerName },
  };
}

function unary(client, method, request, metadata) {
  return new Promise((resolve, reject) => {
    client[method](request, metadata, { deadline: Date.now() + TIMEOUT_MS }, (error, reply) => (error ? reject(error) : resolve(reply)));
  });
}

async function run(args) {
  const definition = protoLoader.loadSync(['mimmo/v1/inference.proto', 'grpc/health/v1/health.proto'], {
    includeDirs: [PROTO_DIR], keepCase: true, longs: Number, enums: Number, defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(definition);
  const { credentials: creds, options } = credentials(args);
  const metadata = new grpc.Metadata();
  if (args.token) metadata.set('authorization', `Bearer ${args.token}`);
  if (args.padHeader) metadata.set('x-pad', 'a'.repeat(Number(args.padHeader)));
  const Service = args.call === 'health' ? pkg.grpc.health.v1.Health : pkg.mimmo.v1.Inference;
  const client = new Service(args.target, creds, options);
  try {
    switch (args.call) {
      case 'predict': {
        const data = args.data ? args.data.split(',').map(Number) : [];
        return (await unary(client, 'Predict', { model: args.model, shape: [data.length], data, id: 'secure' }, metadata)).model;
      }
      case 'get_model':
        return (await unary(client, 'GetModel', { model: args.model }, metadata)).name;
      case 'list':
        return (await unary(client, 'ListModels', {}, metadata)).models.map((m) => m.name).join(',');
      default:
        return SERVING_NAMES[(await unary(client, 'Check', { service: args.service }, metadata)).status];
    }
  } finally {
    client.close();
  }
}

run(parseArgs(process.argv.slice(2))).then(
  (detail) => { process.stdout.write(`STATUS OK ${detail}\n`); process.exit(0); },
  (error) => {
    if (typeof error.code !== 'number') throw error;
    process.stdout.write(`STATUS ${STATUS_NAMES[error.code]} ${String(error.details || '').replace(/\n/g, ' ')}\n`);
    process.exit(0);
  },
);
