// Checks the answers the black-box suite receives against docs/openapi.yaml
// (scripts/response-contract.mjs), one at a time, as the suite's HttpClient
// (tests/support/response_contract.cpp) sends them: each answer is one JSON object a line
// ({test, method, path, status, content_type, body}), and each gets one verdict line back,
// {"ok": true} or {"ok": false, "problems": ["<METHOD> <route> <status>: <what>", ...]}.
//
//   node scripts/check-responses.mjs --serve           answers on stdin, verdicts on stdout
//                                                      (an api_tests run outside CTest)
//   node scripts/check-responses.mjs --start SOCKET    starts a validator on the Unix socket
//                                                      SOCKET in the background and returns
//                                                      once it answers (CTest's
//                                                      contract.responses.start)
//   node scripts/check-responses.mjs --stop SOCKET     prints what that validator checked,
//                                                      test by test, and stops it (CTest's
//                                                      contract.responses)
//
// The document is read and each schema compiled once per validator, so a CTest run pays
// for it once, whatever the number of test processes. The background validator (started
// by --start as `--listen SOCKET --watch PID`, its output in SOCKET.log) exits when
// stopped or when PID, the CTest that started it, is gone.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadSpec, responseChecker } from './response-contract.mjs';

const usage = 'usage: node scripts/check-responses.mjs --serve | --start SOCKET | --stop SOCKET';
const [mode, socket, watchFlag, watchPid] = process.argv.slice(2);

// The verdict on one line of input, and the tally of a validator's answers.
function verdicts() {
  const { check } = responseChecker(loadSpec());
  const tally = { answers: 0, checked: 0, tests: new Set(), problems: new Map() };
  const verdict = (answer) => {
    const { checked, problems } = check(answer);
    const test = answer.test || '(outside a test)';
    tally.answers++;
    tally.tests.add(test);
    if (checked) tally.checked++;
    if (problems.length === 0) return { ok: true };
    if (!tally.problems.has(test)) tally.problems.set(test, new Set());
    for (const p of problems) tally.problems.get(test).add(p);
    return { ok: false, problems };
  };
  return { verdict, tally };
}

function summary({ answers, checked, tests, problems }) {
  const lines = [];
  for (const [test, keys] of [...problems].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`FAILED ${test}`);
    for (const key of keys) lines.push(`  ${key}`);
  }
  lines.push(
    `check-responses: ${answers} answers from ${tests.size} test(s), ${checked} of them ` +
      `checked against docs/openapi.yaml; ${problems.size} test(s) received answers the ` +
      'document does not describe (each failed itself)',
  );
  return lines.join('\n');
}

// One verdict line written to `output` for each answer read from `input`; a line that is
// a command ({"command": ...}) goes to `command` instead.
function answerLines(input, output, verdict, command = () => {}) {
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let message;
    let answer;
    try {
      message = JSON.parse(line);
      if (typeof message !== 'object' || message === null) throw new Error('not a JSON object');
      if (message.command !== undefined) return command(message);
      answer = verdict(message);
    } catch (e) {
      answer = { ok: false, problems: [`the validator could not check the answer: ${e.message}`] };
    }
    output.write(JSON.stringify(answer) + '\n');
  });
  return lines;
}

function serve() {
  const { verdict } = verdicts();
  answerLines(process.stdin, process.stdout, verdict).on('close', () => process.exit(0));
}

function listen() {
  const { verdict, tally } = verdicts();
  const server = net.createServer((connection) => {
    connection.on('error', () => {}); // a test process that died mid-answer
    answerLines(connection, connection, verdict, ({ command }) => {
      if (command !== 'stop') return connection.end(`{"error":"unknown command ${command}"}\n`);
      connection.end(JSON.stringify({ summary: summary(tally) }) + '\n', () => process.exit(0));
    });
  });
  server.on('error', (e) => {
    console.error(`check-responses: cannot listen on ${socket}: ${e.message}`);
    process.exit(1);
  });
  server.listen(socket, () => {
    process.on('exit', () => rmSync(socket, { force: true }));
    console.log(`check-responses: pid ${process.pid} listens on ${socket}`);
  });
  if (watchFlag === '--watch') {
    const pid = Number(watchPid);
    setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch (e) {
        if (e.code === 'EPERM') return; // alive, another user's
        console.log(`check-responses: process ${pid} is gone, stopping`);
        process.exit(0);
      }
    }, 1000).unref();
  }
}

// Sends {"command": "stop"} to the validator on `socket`; resolves to its summary, or
// rejects when none listens there.
function stopValidator() {
  return new Promise((resolve, reject) => {
    const connection = net.createConnection(socket);
    let reply = '';
    connection.setEncoding('utf8');
    connection.on('connect', () => connection.write('{"command":"stop"}\n'));
    connection.on('data', (chunk) => (reply += chunk));
    connection.on('error', reject);
    connection.on('close', () => {
      try {
        resolve(JSON.parse(reply).summary);
      } catch {
        reject(new Error('the validator closed the connection without a summary'));
      }
    });
  });
}

const connects = () =>
  new Promise((resolve) => {
    const connection = net.createConnection(socket);
    connection.on('connect', () => resolve(connection.destroy() || true));
    connection.on('error', () => resolve(false));
  });

async function start() {
  await stopValidator().catch(() => {}); // one left over by an interrupted run
  rmSync(socket, { force: true });
  const logFile = `${socket}.log`;
  const log = openSync(logFile, 'w');
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [self, '--listen', socket, '--watch', String(process.ppid)], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exited = false;
  child.on('exit', () => (exited = true));
  child.unref();
  const deadline = Date.now() + 60_000;
  while (!exited && Date.now() < deadline) {
    if (await connects()) {
      console.log(`check-responses: validator pid ${child.pid} listens on ${socket}`);
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  console.error(`check-responses: the validator did not start; its output (${logFile}):`);
  console.error(readFileSync(logFile, 'utf8'));
  if (!exited) process.kill(child.pid, 'SIGKILL');
  process.exit(1);
}

async function stop() {
  try {
    console.log(await stopValidator());
  } catch (e) {
    console.error(
      `check-responses: no validator answers on ${socket} (${e.message}): it did not start ` +
        `or it died during the run; see ${socket}.log`,
    );
    process.exit(1);
  }
}

if (mode === '--serve') serve();
else if (mode === '--listen' && socket) listen();
else if (mode === '--start' && socket) await start();
else if (mode === '--stop' && socket) await stop();
else {
  console.error(usage);
  process.exit(2);
}
