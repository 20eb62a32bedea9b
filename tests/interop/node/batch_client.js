#!/usr/bin/env node
// Batched requests through grpc-js against MimmoServe's Inference service (mimmo.v1):
//
//   node batch_client.js --target 127.0.0.1:PORT --model NAME --shape 1,28,28 --items FILE [--k K] [--exit POLICY]
//
// FILE holds N items of the item shape as little-endian float32, one after the other. The client makes
//   1. one Predict with shape [N, *item] and the N items in raw_data;
//   2. one PredictStream with three messages: the same batched request (id "batch"), the same with a NaN in item 1
//      (id "bad"), and item 0 alone with the item shape (id "single"); it half-closes and reads to the end.
// It prints one JSON object {"unary": PredictResponse, "stream": [PredictResponse, ...], "stream_status": "OK"} (field
// names as in the .proto) and exits 0; on a failed Predict it prints `STATUS <CODE> <detail>` and exits 1.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { STATUS_NAMES, parseArgs, main } = require('./script_main');

const TIMEOUT_MS = 60000;
const PROTO_DIR = path.resolve(__dirname, '..', '..', '..', 'protos');

function metadataOf(args) {
  const metadata = new grpc.Metadata();
  if (args.exit) metadata.set('x-mimmo-exit', args.exit);
  return metadata;
}

function predict(client, request, metadata) {
  return new Promise((resolve, reject) => {
    client.Predict(request, metadata, { deadline: Date.now() + TIMEOUT_MS }, (error, reply) => (error ? reject(error) : resolve(reply)));
  });
}

function stream(client, messages, metadata) {
  return new Promise((resolve, reject) => {
    const call = client.PredictStream(metadata, { deadline: Date.now() + TIMEOUT_MS });
    const responses = [];
    call.on('data', (response) => responses.push(response));
    call.on('error', reject);
    call.on('status', (status) => {
      if (status.code === grpc.status.OK) resolve({ responses, status: STATUS_NAMES[status.code] });
    });
    for (const message of messages) call.write(message);
    call.end();
  });
}

async function run(args) {
  const definition = protoLoader.loadSync(['mimmo/v1/inference.proto'], {
    includeDirs: [PROTO_DIR], keepCase: true, longs: Number, enums: Number, defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(definition);
  const client = new pkg.mimmo.v1.Inference(args.target, grpc.credentials.createInsecure());
  const itemShape = args.shape.split(',').map(Number);
  const itemBytes = 4 * itemShape.reduce((a, b) => a * b, 1);
  const raw = fs.readFileSync(args.items);
  const count = raw.length / itemBytes;
  const batch = { model: args.model, shape: [count, ...itemShape], raw_data: raw, ensemble_size: Number(args.k), id: 'batch' };
  const bad = Buffer.from(raw);
  bad.writeFloatLE(NaN, itemBytes + 8);
  const single = { model: args.model, shape: itemShape, raw_data: raw.subarray(0, itemBytes), ensemble_size: Number(args.k), id: 'single' };
  try {
    const unary = await predict(client, batch, metadataOf(args));
    const streamed = await stream(client, [batch, { ...batch, raw_data: bad, id: 'bad' }, single], metadataOf(args));
    return { unary, stream: streamed.responses, stream_status: streamed.status };
  } finally {
    client.close();
  }
}

main(run, parseArgs(process.argv.slice(2), ['target', 'model', 'shape', 'items', 'k', 'exit'], { k: '0', exit: '' }));
