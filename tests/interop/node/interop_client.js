#!/usr/bin/env node
// Interop client in grpc-js: one named case against a server of mimmo.interop.v1.Echo.
//
//   node interop_client.js --list
//   node interop_client.js --target 127.0.0.1:PORT --case NAME [--tls-ca PEM --tls-server-name localhost]
//
// Prints `PASS NAME` and exits 0, or `FAIL NAME: reason` and exits 1 (2 for a usage error). Every
// call carries a deadline (CALL_TIMEOUT_MS unless the case needs a shorter one) and a watchdog ends
// the process after CASE_TIMEOUT_MS. The same contract and cases as ../python/interop_client.py.
// The .proto files are read at run time by @grpc/proto-loader; nothing generated is kept.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const descriptor = require('protobufjs/ext/descriptor');

const CALL_TIMEOUT_MS = 10000;
const CASE_TIMEOUT_MS = 28000;
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const INCLUDE_DIRS = [path.join(REPO_ROOT, 'protos'), path.join(REPO_ROOT, 'tests', 'interop', 'protos')];
const PROTO_FILES = [
  'mimmo/interop/v1/echo.proto',
  'grpc/health/v1/health.proto',
  'grpc/reflection/v1/reflection.proto',
  'grpc/reflection/v1alpha/reflection.proto',
];
const ECHO_SERVICE = 'mimmo.interop.v1.Echo';
const HEALTH_SERVICE = 'grpc.health.v1.Health';
const ECHO_METHODS = ['Bidi', 'ClientStream', 'GetStats', 'ServerStream', 'SetHealth', 'Unary'];
const UNICODE_MESSAGE = 'modèle «introuvable» — 模型 ✓';
const SERVING = 1, NOT_SERVING = 2, SERVICE_UNKNOWN = 3;
const MIB = 1024 * 1024;
const Status = grpc.status;
const STATUS_NAMES = Object.fromEntries(Object.entries(Status).filter(([, code]) => typeof code === 'number').map(([name, code]) => [code, name]));

// grpc-js strips grpc-encoding from the response headers before any user code sees them, so the
// compression filter of the pinned version is wrapped to record it (gzip_response uses this). If a
// later version moves the filter, the record stays empty and gzip_response says so.
const responseEncodings = [];
try {
  const filterPath = path.join(path.dirname(require.resolve('@grpc/grpc-js')), 'compression-filter.js');
  const { CompressionFilter } = require(filterPath);
  const receiveMetadata = CompressionFilter.prototype.receiveMetadata;
  CompressionFilter.prototype.receiveMetadata = function (metadata) {
    const encoding = metadata.get('grpc-encoding');
    responseEncodings.push(encoding.length > 0 ? String(encoding[0]) : 'identity');
    return receiveMetadata.call(this, metadata);
  };
} catch (_) {
  // Not exposed: gzip_response then fails with that reason.
}

class Failure extends Error {}

function repr(value) {
  if (Buffer.isBuffer(value)) return value.length > 32 ? `<${value.length} bytes>` : `<bytes ${value.toString('hex')}>`;
  return JSON.stringify(value);
}

function expect(condition, what, expected, actual) {
  if (!condition) throw new Failure(`${what}: expected ${repr(expected)}, got ${repr(actual)}`);
}

function expectEqual(what, expected, actual) {
  const same = Buffer.isBuffer(expected) && Buffer.isBuffer(actual)
    ? expected.equals(actual)
    : JSON.stringify(expected) === JSON.stringify(actual);
  expect(same, what, expected, actual);
}

function deadline(ms = CALL_TIMEOUT_MS) {
  return { deadline: Date.now() + ms };
}

function statusText(error) {
  return `${STATUS_NAMES[error.code] ?? error.code} ${JSON.stringify(error.details)}`;
}

// Awaits a promise that must reject with a gRPC status `code`; returns the error.
async function expectStatus(what, code, promise) {
  let reply;
  try {
    reply = await promise;
  } catch (error) {
    if (error instanceof Failure) throw error;
    expect(error.code === code, `${what} status`, STATUS_NAMES[code], statusText(error));
    return error;
  }
  throw new Failure(`${what}: expected status ${STATUS_NAMES[code]}, got a reply ${repr(reply)}`);
}

function replyPattern(size) {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = i % 251;
  return buffer;
}

// Reads a stream's messages one at a time, in order: the ping-pong pattern of bidi_1000 and the
// reflection cases. next() rejects with the stream's error, or resolves null at its end.
class StreamReader {
  constructor(stream) {
    this.items = [];
    this.waiters = [];
    this.ended = false;
    this.error = null;
    stream.on('data', (item) => this.push({ item }));
    stream.on('end', () => { this.ended = true; this.push(null); });
    stream.on('error', (error) => { this.error = error; this.push(null); });
  }

  push(entry) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(entry); else if (entry) this.items.push(entry);
  }

  next() {
    if (this.items.length > 0) return Promise.resolve(this.items.shift().item);
    if (this.error) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => this.waiters.push((entry) => {
      if (entry) resolve(entry.item);
      else if (this.error) reject(this.error);
      else resolve(null);
    }));
  }
}

class Client {
  constructor(args) {
    this.args = args;
    const definition = protoLoader.loadSync(PROTO_FILES, {
      includeDirs: INCLUDE_DIRS, keepCase: true, longs: Number, enums: Number, defaults: true, oneofs: true,
    });
    this.pkg = grpc.loadPackageDefinition(definition);
    this.clients = [];
    this.echo = this.newClient(this.pkg.mimmo.interop.v1.Echo);
    this.health = this.newClient(this.pkg.grpc.health.v1.Health);
  }

  newClient(ClientClass, extraOptions = {}) {
    // No client-side send limit, so that oversize_request fails at the server's limit.
    const options = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1, ...extraOptions };
    let credentials;
    if (this.args.tlsCa) {
      credentials = grpc.credentials.createSsl(fs.readFileSync(this.args.tlsCa));
      options['grpc.ssl_target_name_override'] = this.args.tlsServerName;
      options['grpc.default_authority'] = this.args.tlsServerName;
    } else {
      credentials = grpc.credentials.createInsecure();
    }
    const client = new ClientClass(this.args.target, credentials, options);
    this.clients.push(client);
    return client;
  }

  close() {
    for (const client of this.clients) client.close();
  }

  // A unary call as a promise of { reply, headers, trailers }.
  unaryCall(client, method, request, { metadata = new grpc.Metadata(), options = deadline() } = {}) {
    return new Promise((resolve, reject) => {
      let headers = null;
      let reply;
      let error = null;
      let done = 0;
      const finish = () => {
        if (++done < 2) return;
        if (error) reject(error); else resolve({ reply, headers, trailers: this.lastTrailers });
      };
      const call = client[method](request, metadata, options, (err, value) => {
        error = err; reply = value; finish();
      });
      call.on('metadata', (md) => { headers = md; });
      call.on('status', (status) => { this.lastTrailers = status.metadata; finish(); });
    });
  }

  async unary(request, options) {
    return (await this.unaryCall(this.echo, 'Unary', request, options)).reply;
  }

  async cancelledCalls() {
    return (await this.unaryCall(this.echo, 'GetStats', {})).reply.cancelled_calls;
  }

  // Polls GetStats until cancelled_calls > before; the server may count after it answered.
  async waitCancelledAbove(before, withinMs = 3000) {
    const end = Date.now() + withinMs;
    for (;;) {
      const now = await this.cancelledCalls();
      if (now > before || Date.now() > end) {
        expect(now > before, 'GetStats cancelled_calls', `> ${before}`, now);
        return;
      }
      await sleep(50);
    }
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- cases -----------------------------------------------------------------------------------------

async function caseUnary(c) {
  const payload = Buffer.concat(Array.from({ length: 16 }, () => Buffer.from([...Array(256).keys()])));
  const reply = await c.unary({ message: 'hello from grpc-js', payload });
  expectEqual('message', 'hello from grpc-js', reply.message);
  expectEqual('payload', payload, reply.payload);
  expectEqual('request_encoding', '', reply.request_encoding);
}

async function caseEmptyMessage(c) {
  // A raw client sees the bytes on the wire: an empty EchoRequest is a zero-length message, and the
  // reply to it must be one too.
  const raw = c.newClient(grpc.makeGenericClientConstructor({}, 'Raw'));
  const bytes = await new Promise((resolve, reject) => {
    raw.makeUnaryRequest(`/${ECHO_SERVICE}/Unary`, (b) => b, (b) => b, Buffer.alloc(0),
      new grpc.Metadata(), deadline(), (error, value) => (error ? reject(error) : resolve(value)));
  });
  expectEqual('reply message length on the wire', 0, bytes.length);
  const reply = await c.unary({});
  expectEqual('reply', { message: '', payload: '', index: 0, received: 0, request_encoding: '' },
    { ...reply, payload: reply.payload.toString('hex') });
}

async function caseMetadata(c) {
  const asciiValue = 'interop ascii value 42';
  const binaryValue = Buffer.concat([Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]), Buffer.from('µ')]);
  const metadata = new grpc.Metadata();
  metadata.set('x-echo-ascii', asciiValue);
  metadata.set('x-echo-blob-bin', binaryValue);
  const { headers, trailers } = await c.unaryCall(c.echo, 'Unary', { message: 'metadata' }, { metadata });
  expect(headers !== null, 'response headers', 'present', null);
  expectEqual('header x-echo-ascii', [asciiValue], headers.get('x-echo-ascii'));
  expectEqual('header x-echo-blob-bin', binaryValue, headers.get('x-echo-blob-bin')[0]);
  expectEqual('trailer x-trailer-ascii', [asciiValue], trailers.get('x-trailer-ascii'));
  expectEqual('trailer x-trailer-blob-bin', binaryValue, trailers.get('x-trailer-blob-bin')[0]);
}

async function caseServerStream(c) {
  const reader = new StreamReader(c.echo.ServerStream({ message: 'stream', count: 100 }, deadline()));
  const replies = [];
  for (let reply; (reply = await reader.next()) !== null;) replies.push(reply);
  expectEqual('reply count', 100, replies.length);
  expectEqual('indices', [...Array(100).keys()], replies.map((r) => r.index));
  expect(replies.every((r) => r.message === 'stream'), 'messages', "all 'stream'", replies.slice(0, 3).map((r) => r.message));
}

async function caseClientStream(c) {
  const reply = await new Promise((resolve, reject) => {
    const call = c.echo.ClientStream(new grpc.Metadata(), deadline(), (error, value) => (error ? reject(error) : resolve(value)));
    for (let i = 0; i < 50; i++) call.write({ message: `m${i}` });
    call.end();
  });
  expectEqual('received', 50, reply.received);
  expectEqual('message (the last one)', 'm49', reply.message);
}

async function caseBidi1000(c) {
  const call = c.echo.Bidi(new grpc.Metadata(), deadline());
  const reader = new StreamReader(call);
  try {
    for (let i = 0; i < 1000; i++) {
      call.write({ message: `ping ${i}` });
      const reply = await reader.next();
      expect(reply !== null, `reply ${i}`, 'a reply', 'end of stream');
      expectEqual(`reply ${i} index`, i, reply.index);
      expectEqual(`reply ${i} message`, `ping ${i}`, reply.message);
    }
    call.end();
    expectEqual('replies after half-close', null, await reader.next());
  } finally {
    call.cancel();
  }
}

async function caseDeadline(c) {
  const before = await c.cancelledCalls();
  const start = Date.now();
  await expectStatus('Unary delay_ms=5000 with a 300 ms deadline', Status.DEADLINE_EXCEEDED,
    c.unary({ message: 'slow', delay_ms: 5000 }, { options: deadline(300) }));
  const elapsed = Date.now() - start;
  expect(elapsed < 2000, 'time to DEADLINE_EXCEEDED', '< 2000 ms', `${elapsed} ms`);
  await c.waitCancelledAbove(before);
}

async function caseCancel(c) {
  const before = await c.cancelledCalls();
  const start = Date.now();
  let call;
  const result = new Promise((resolve, reject) => {
    call = c.echo.Unary({ message: 'slow', delay_ms: 5000 }, new grpc.Metadata(), deadline(),
      (error, value) => (error ? reject(error) : resolve(value)));
  });
  await sleep(200);
  call.cancel();
  await expectStatus('Unary cancelled after 200 ms', Status.CANCELLED, result);
  const elapsed = Date.now() - start;
  expect(elapsed < 2000, 'time to CANCELLED', '< 2000 ms', `${elapsed} ms`);
  await c.waitCancelledAbove(before);
}

async function caseErrorUnicode(c) {
  const error = await expectStatus('Unary fail_code=5', Status.NOT_FOUND,
    c.unary({ fail_code: 5, fail_message: UNICODE_MESSAGE }));
  expectEqual('status message', UNICODE_MESSAGE, error.details);
}

async function caseUnknownMethod(c) {
  const raw = c.newClient(grpc.makeGenericClientConstructor({}, 'Raw'));
  for (const method of [`/${ECHO_SERVICE}/NoSuchMethod`, '/no.such.Service/Call']) {
    await expectStatus(method, Status.UNIMPLEMENTED, new Promise((resolve, reject) => {
      raw.makeUnaryRequest(method, (b) => b, (b) => b, Buffer.alloc(0), new grpc.Metadata(), deadline(),
        (error, value) => (error ? reject(error) : resolve(value)));
    }));
  }
}

async function caseHealthCheck(c) {
  for (const service of ['', ECHO_SERVICE]) {
    const { reply } = await c.unaryCall(c.health, 'Check', { service });
    expectEqual(`Check(${JSON.stringify(service)}) status`, SERVING, reply.status);
  }
  await expectStatus("Check('no.such.Service')", Status.NOT_FOUND, c.unaryCall(c.health, 'Check', { service: 'no.such.Service' }));
}

async function caseHealthWatch(c) {
  const name = `interop.watch.js${crypto.randomBytes(16).toString('hex')}`;
  const call = c.health.Watch({ service: name }, deadline());
  const reader = new StreamReader(call);
  try {
    let last = (await reader.next())?.status;
    expectEqual('first Watch status', SERVICE_UNKNOWN, last);
    for (const status of [SERVING, NOT_SERVING]) {
      await c.unaryCall(c.echo, 'SetHealth', { service: name, status });
      let current = (await reader.next())?.status;
      while (current === last) current = (await reader.next())?.status; // a repeat is allowed, not a skip
      expectEqual(`Watch status after SetHealth(${status})`, status, current);
      last = current;
    }
  } finally {
    call.cancel();
  }
}

async function caseOversizeRequest(c) {
  await expectStatus('Unary with a 5 MiB payload', Status.RESOURCE_EXHAUSTED,
    c.unary({ message: 'big', payload: Buffer.alloc(5 * MIB, 0x5a) }));
}

async function caseGzipRequest(c) {
  // grpc.default_compression_algorithm 2 = gzip; a fresh client, so nothing learnt from an earlier
  // response can turn it off.
  const client = c.newClient(c.pkg.mimmo.interop.v1.Echo, { 'grpc.default_compression_algorithm': 2 });
  const payload = Buffer.from('MimmoServe gzip request, compressible. '.repeat(1000));
  const { reply } = await c.unaryCall(client, 'Unary', { message: 'gzip', payload });
  expectEqual('request_encoding', 'gzip', reply.request_encoding);
  expect(payload.equals(reply.payload), 'payload round trip', 'equal', reply.payload);
}

async function caseGzipResponse(c) {
  responseEncodings.length = 0;
  const { reply } = await c.unaryCall(c.echo, 'Unary', { message: 'gzip reply', reply_size: 100000 });
  expectEqual('reply message', 'gzip reply', reply.message);
  expect(replyPattern(100000).equals(reply.payload), 'reply payload intact', '100000 bytes of i % 251', reply.payload);
  expect(responseEncodings.length > 0, 'response grpc-encoding', 'visible through the compression filter',
    'not exposed by this grpc-js version');
  expectEqual('response grpc-encoding', ['gzip'], responseEncodings);
}

function reflectionCase(version) {
  return async (c) => {
    const pkg = `grpc.reflection.${version}`;
    const service = `${pkg}.ServerReflection`;
    const client = c.newClient(c.pkg.grpc.reflection[version].ServerReflection);
    const call = client.ServerReflectionInfo(new grpc.Metadata(), deadline());
    const reader = new StreamReader(call);
    const ask = async (question) => {
      call.write(question);
      const answer = await reader.next();
      expect(answer !== null, `answer to ${JSON.stringify(question)}`, 'an answer', 'end of stream');
      return answer;
    };
    const files = (answer) => answer.file_descriptor_response.file_descriptor_proto
      .map((bytes) => descriptor.FileDescriptorProto.decode(bytes));
    try {
      let answer = await ask({ list_services: '' });
      expectEqual('list_services answer', 'list_services_response', answer.message_response);
      const names = answer.list_services_response.service.map((s) => s.name);
      for (const wanted of [ECHO_SERVICE, HEALTH_SERVICE, service]) {
        expect(names.includes(wanted), 'list_services', `contains ${wanted}`, names.sort());
      }

      answer = await ask({ file_containing_symbol: ECHO_SERVICE });
      expectEqual('file_containing_symbol answer', 'file_descriptor_response', answer.message_response);
      const decoded = files(answer);
      let echoFile = null;
      for (const file of decoded) {
        for (const s of file.service) {
          if (file.package === 'mimmo.interop.v1' && s.name === 'Echo') {
            echoFile = file;
            expectEqual('Echo methods', ECHO_METHODS, s.method.map((m) => m.name).sort());
          }
        }
      }
      expect(echoFile !== null, 'file_containing_symbol', 'a file with service Echo', decoded.map((f) => f.name));

      answer = await ask({ file_by_filename: echoFile.name });
      expectEqual('file_by_filename answer', 'file_descriptor_response', answer.message_response);
      const byName = files(answer).map((f) => f.name);
      expect(byName.includes(echoFile.name), 'file_by_filename', `contains ${echoFile.name}`, byName);

      answer = await ask({ file_containing_symbol: 'no.such.Symbol' });
      expectEqual('unknown symbol answer', 'error_response', answer.message_response);
      expectEqual('unknown symbol error_code', Status.NOT_FOUND, answer.error_response.error_code);

      call.end();
      expectEqual('answers after half-close', null, await reader.next());
    } finally {
      call.cancel();
    }
  };
}

async function caseTlsUnary(c) {
  if (!c.args.tlsCa) throw new Failure('needs --tls-ca PEM (and --tls-server-name): expected a TLS target, got none');
  const reply = await c.unary({ message: 'over tls', payload: Buffer.from([1, 2]) });
  expectEqual('message', 'over tls', reply.message);
  expectEqual('payload', Buffer.from([1, 2]), reply.payload);
}

const CASES = {
  unary: caseUnary,
  empty_message: caseEmptyMessage,
  metadata: caseMetadata,
  server_stream: caseServerStream,
  client_stream: caseClientStream,
  bidi_1000: caseBidi1000,
  deadline: caseDeadline,
  cancel: caseCancel,
  error_unicode: caseErrorUnicode,
  unknown_method: caseUnknownMethod,
  health_check: caseHealthCheck,
  health_watch: caseHealthWatch,
  oversize_request: caseOversizeRequest,
  gzip_request: caseGzipRequest,
  gzip_response: caseGzipResponse,
  reflection_v1: reflectionCase('v1'),
  reflection_v1alpha: reflectionCase('v1alpha'),
  tls_unary: caseTlsUnary,
};

function usage(message) {
  process.stderr.write(`${message}\nusage: node interop_client.js --list | --target HOST:PORT --case NAME `
    + '[--tls-ca PEM --tls-server-name NAME]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { target: null, caseName: null, tlsCa: null, tlsServerName: 'localhost', list: false };
  const takesValue = { '--target': 'target', '--case': 'caseName', '--tls-ca': 'tlsCa', '--tls-server-name': 'tlsServerName' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--list') args.list = true;
    else if (flag === '--help' || flag === '-h') usage('');
    else if (takesValue[flag]) {
      const value = inline !== undefined ? inline : argv[++i];
      if (value === undefined) usage(`${flag} needs a value`);
      args[takesValue[flag]] = value;
    } else usage(`unknown argument ${argv[i]}`);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    process.stdout.write(`${Object.keys(CASES).join('\n')}\n`);
    return 0;
  }
  if (!args.target || !args.caseName) usage('--target and --case are required (or --list)');
  if (!CASES[args.caseName]) usage(`unknown case ${args.caseName}; --list shows the cases`);

  const watchdog = setTimeout(() => {
    process.stdout.write(`FAIL ${args.caseName}: expected to finish within ${CASE_TIMEOUT_MS / 1000} s, still running\n`);
    process.exit(1);
  }, CASE_TIMEOUT_MS);
  let client = null;
  try {
    client = new Client(args);
    await CASES[args.caseName](client);
  } catch (error) {
    const reason = error instanceof Failure ? error.message
      : error && typeof error.code === 'number' ? `unexpected status ${statusText(error)}`
        : `${error && error.name}: ${error && error.message}`;
    process.stdout.write(`FAIL ${args.caseName}: ${reason}\n`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    if (client) client.close();
  }
  process.stdout.write(`PASS ${args.caseName}\n`);
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  process.stdout.write(`FAIL: ${error && error.stack}\n`);
  process.exit(1);
});
