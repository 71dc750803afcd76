import { canonicalJson, type SigningKey, verifySignature } from '../subnet/index.ts';

/** What the subnet states about a verified account: never who the person is. */
export interface VerifiedFacts {
  user_id: string;
  verified_person: true;
  /** When the binding was made (ms since the epoch, the subnet's time). */
  verified_since: number;
  /** The age threshold the person was found to meet; the birth date itself is not kept. */
  minimum_age: number;
  /** For officials: their organisation as the identity provider states it. */
  organisation?: { ministry: string; department?: string };
}

export interface Attestation extends VerifiedFacts {
  type: typeof ATTESTATION_TYPE;
  subnet: string;
  /** The replica's applied height and clock when it signed: how fresh the statement is. */
  height: number;
  issued_at: number;
}

export interface SignedAttestation {
  attestation: Attestation;
  /** Node id (ed25519 public key, base64url) → signature (base64url) over attestationSigningBytes. */
  signatures: Record<string, string>;
}

export const ATTESTATION_TYPE = 'pk.gov.watan.verified_person.v1';

/** Domain-separated, so a signature over an attestation can never pass as one over a checkpoint. */
export function attestationSigningBytes(attestation: Attestation): Buffer {
  return Buffer.from(`watan attestation v1\n${canonicalJson(attestation as never)}`, 'utf8');
}

export function signAttestation(
  facts: VerifiedFacts,
  where: { subnet: string; height: number; now: number },
  key: SigningKey,
): SignedAttestation {
  const attestation: Attestation = { type: ATTESTATION_TYPE, subnet: where.subnet, height: where.height, issued_at: where.now, ...facts };
  return { attestation, signatures: { [key.id]: key.sign(attestationSigningBytes(attestation)).toString('base64url') } };
}

/** True when `nodeId` signed this attestation. */
export function verifyAttestation(signed: SignedAttestation, nodeId: string): boolean {
  const signature = signed.signatures[nodeId];
  if (typeof signature !== 'string') return false;
  return verifySignature(nodeId, attestationSigningBytes(signed.attestation), Buffer.from(signature, 'base64url'));
}
