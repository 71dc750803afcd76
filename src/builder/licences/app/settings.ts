import type { AppStore } from '../../../subnet/index.ts';

type Counter = 'governance_epoch' | 'next_licence' | 'audit_seq';

/** A counter of the licence tables; 0 before its first use. */
export function counter(store: AppStore, key: Counter): number {
  return Number(store.get<{ key: string; value: string }>('licence_settings', key)?.value ?? '0');
}

export function setCounter(store: AppStore, key: Counter, value: number): void {
  store.put('licence_settings', { key, value: String(value) });
}

export function auditHead(store: AppStore): string {
  return store.get<{ key: string; value: string }>('licence_settings', 'audit_head')?.value ?? GENESIS_HASH;
}

export function setAuditHead(store: AppStore, hash: string): void {
  store.put('licence_settings', { key: 'audit_head', value: hash });
}

/** The hash an empty audit trail starts from. */
export const GENESIS_HASH = '0'.repeat(64);
