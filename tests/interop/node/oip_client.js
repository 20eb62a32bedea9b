#!/usr/bin/env node
// The Open Inference Protocol (KServe v2, package inference) through grpc-js against MimmoServe:
//
//   node oip_client.js --target 127.0.0.1:PORT --model NAME --shape 1,28,28 --items FILE [--k K] [--exit POLICY]
//
// FILE holds N items of the item shape as little-endian float32. The client loads protos/inference/grpc_predict_v2.proto,
// asks ModelReady and ModelMetadata, then sends one ModelInfer with the input named as ModelMetadata says, FP32
// [N, *item] in raw_input_contents, the parameters ensemble_size (K, when given) and exit_policy (POLICY, when given).
// It prints one JSON object {"ready": bool, "metadata": ..., "outputs": {name: {"datatype", "shape", "values"}}} and
// exits 0; on a failed call it prints `STATUS <CODE> <detail>` and exits 1.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { parseArgs, main } = require('./script_main');

const TIMEOUT_MS = 60000;
const PROTO_DIR = path.resolve(__dirname, '..', '..', '..', 'protos');
const READERS = { FP32: (b, i) => b.readFloatLE(4 * i), INT32: (b, i) => b.readInt32LE(4 * i), INT64: (b, i) => Number(b.readBigInt64LE(8 * i)) };
const SIZES = { FP32: 4, INT32: 4, INT64: 8 };

function unary(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, new grpc.Metadata(), { deadline: Date.now() + TIMEOUT_MS }, (error, reply) => (error ? reject(error) : resolve(reply)));
  });
}

async function run(args) {
  const definition = protoLoader.loadSync(['inference/grpc_predict_v2.proto'], {
    includeDirs: [PROTO_DIR], keepCase: true, longs: Number, enums: String, defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(definition);
  const client = new pkg.inference.GRPCInferenceService(args.target, grpc.credentials.createInsecure());
  try {
    const ready = (await unary(client, 'ModelReady', { name: args.model })).ready;
    const metadata = await unary(client, 'ModelMetadata', { name: args.model });
    const itemShape = args.shape.split(',').map(Number);
    const raw = fs.readFileSync(args.items);
    const count = raw.length / (4 * itemShape.reduce((a, b) => a * b, 1));
    const parameters = {};
    if (args.k) parameters.ensemble_size = { int64_param: Number(args.k) };
    if (args.exit) parameters.exit_policy = { string_param: args.exit };
    const request = {
      model_name: args.model, id: 'grpc-js', parameters,
      inputs: [{ name: metadata.inputs[0].name, datatype: 'FP32', shape: [count, ...itemShape] }],
      raw_input_contents: [raw],
    };
    const response = await unary(client, 'ModelInfer', request);
    const outputs = {};
    response.outputs.forEach((tensor, t) => {
      const bytes = response.raw_output_contents[t];
      const values = Array.from({ length: bytes.length / SIZES[tensor.datatype] }, (_, i) => READERS[tensor.datatype](bytes, i));
      outputs[tensor.name] = { datatype: tensor.datatype, shape: tensor.shape, values };
    });
    return { ready, metadata, model_name: response.model_name, id: response.id, outputs };
  } finally {
    client.close();
  }
}

main(run, parseArgs(process.argv.slice(2), ['target', 'model', 'shape', 'items', 'k', 'exit'], { k: '', exit: '' }));
