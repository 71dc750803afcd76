/**
 * National identity: accounts bound to verified people through OpenID Connect or an SD-JWT
 * verifiable credential, without keeping ID numbers, names or birth dates. The messenger and
 * the CLI use this part through this file only.
 */
export {
  type AccountPolicy,
  type Admission,
  AdmissionError,
  admit,
  DEFAULT_ACCOUNT_POLICY,
  type IdentityConfig,
  organisationOf,
} from './admission.ts';
export {
  ATTESTATION_TYPE,
  type Attestation,
  attestationSigningBytes,
  type SignedAttestation,
  signAttestation,
  type VerifiedFacts,
  verifyAttestation,
} from './attestation.ts';
export { BINDING_SECRET_FILE, loadOrCreateBindingSecret, personHash, readBindingSecret } from './binding-secret.ts';
export { VERIFIED_PERSON_VCT } from './credential-format.ts';
export {
  CredentialError,
  type TrustedIssuer,
  type TrustedKey,
  TrustedKeyError,
  trustedKeyOf,
  verifyPresentation,
} from './credential-verifier.ts';
export { loadOrCreateClientSecret } from './dev-provider/keys.ts';
export { loadPeople } from './dev-provider/people.ts';
export { type DevelopmentClient, type RunningProvider, startDevelopmentProvider } from './dev-provider/provider.ts';
export { SIGN_IN_TTL_MS } from './pending-sign-ins.ts';
export { readPrivateFile } from './private-file.ts';
export { isLoopbackHttp, type ProviderSettings, RelyingParty, SignInError, type SignInIntent, type SignInPrompt } from './relying-party.ts';
