// Solves Broadsheet's challenges with the real ALTCHA code, to prove the formats match.
//
//   node solve_with_altcha.mjs PACKAGES [HMAC_KEY] < challenges.jsonl > payloads.jsonl
//
// PACKAGES holds the unpacked npm packages as `altcha/` (the widget, 3.x) and
// `altcha-lib/` (the reference server library, 2.x), e.g. from `npm pack` + `tar`.
// Each input line is a challenge as GET /api/v1/public/challenge serves it. For each, two
// payloads come out, one a line: {"solver", "version", "payload", "referenceVerified"}:
//   solver "widget":     the widget's own solver and key derivations (altcha/lib, the
//                        code its workers run), the payload built as the widget builds it
//                        (v1 challenges rewritten to v2 and back, as widget 3 does).
//   solver "altcha-lib": the reference library's solver (v1: altcha-lib/v1).
// With HMAC_KEY, referenceVerified says whether altcha-lib's own verifySolution accepts
// the payload under that key: our signatures checked by the reference implementation.
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [packages, hmacKey] = process.argv.slice(2);
if (!packages) {
  console.error('usage: node solve_with_altcha.mjs PACKAGES [HMAC_KEY]');
  process.exit(2);
}
const load = (p) => import(pathToFileURL(path.join(packages, p)).href);
const widget = await load('altcha/dist/lib/index.js');
const lib = await load('altcha-lib/dist/esm/v2/index.js');
const libV1 = await load('altcha-lib/dist/esm/v1/index.js');
const libKdf = {
  'SHA-256': 'sha', 'SHA-384': 'sha', 'SHA-512': 'sha',
  'PBKDF2/SHA-256': 'pbkdf2', 'PBKDF2/SHA-384': 'pbkdf2', 'PBKDF2/SHA-512': 'pbkdf2',
  SCRYPT: 'scrypt',
};
const libDeriveKey = async (algorithm) =>
  (await load(`altcha-lib/dist/esm/v2/algorithms/${libKdf[algorithm]}.js`)).deriveKey;
const widgetDeriveKey = (algorithm) => widget[libKdf[algorithm]].deriveKey;
const encode = (object) => btoa(JSON.stringify(object));
const hex = (text) => Buffer.from(text, 'utf8').toString('hex');

function emit(solver, version, payload, referenceVerified) {
  console.log(JSON.stringify({ solver, version, payload, referenceVerified }));
}

async function solveV1(c) {
  // As widget 3 does: a v1 challenge becomes a v2 one solved with string counters.
  const rewritten = {
    parameters: {
      algorithm: c.algorithm, cost: 1, keyLength: 32, keyPrefix: c.challenge,
      nonce: hex(c.salt), salt: '',
    },
    signature: c.signature,
  };
  const found = await widget.solveChallenge({
    challenge: rewritten, counterMode: 'string', deriveKey: widgetDeriveKey(c.algorithm),
  });
  if (!found) throw new Error('widget found no v1 solution');
  const widgetPayload = encode({
    algorithm: c.algorithm, challenge: c.challenge, number: found.counter, salt: c.salt,
    signature: c.signature, took: found.time || 0,
  });
  const reference = async (p) => (hmacKey ? await libV1.verifySolution(p, hmacKey) : null);
  emit('widget', 1, widgetPayload, await reference(widgetPayload));

  const solved = await libV1.solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
  if (!solved) throw new Error('altcha-lib found no v1 solution');
  const libPayload = encode({ ...c, maxnumber: undefined, number: solved.number, took: solved.took });
  emit('altcha-lib', 1, libPayload, await reference(libPayload));
}

async function solveV2(c) {
  const { algorithm } = c.parameters;
  const reference = async (payload) => {
    if (!hmacKey) return null;
    const { challenge, solution } = JSON.parse(atob(payload));
    const result = await lib.verifySolution({
      challenge, solution, deriveKey: await libDeriveKey(algorithm), hmacSignatureSecret: hmacKey,
    });
    return result.verified;
  };
  const challenge = { parameters: c.parameters, signature: c.signature };
  const fromWidget = await widget.solveChallenge({ challenge, deriveKey: widgetDeriveKey(algorithm) });
  if (!fromWidget) throw new Error('widget found no v2 solution');
  const widgetPayload = encode({ challenge, solution: fromWidget });
  emit('widget', 2, widgetPayload, await reference(widgetPayload));

  const fromLib = await lib.solveChallenge({ challenge, deriveKey: await libDeriveKey(algorithm) });
  if (!fromLib) throw new Error('altcha-lib found no v2 solution');
  const libPayload = encode({ challenge, solution: fromLib });
  emit('altcha-lib', 2, libPayload, await reference(libPayload));
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const challenge = JSON.parse(line);
  await (typeof challenge.challenge === 'string' ? solveV1(challenge) : solveV2(challenge));
}
