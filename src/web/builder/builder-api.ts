/**
 * The builder API as the builder pages call it: each a request to the node's own endpoint in
 * the person's name (the shell's `callApi`), typed with the answer's shape.
 */
import type { FastifyRequest } from 'fastify';
import type { AppSpec, SpecChange, SpecProblem } from '../../builder/index.ts';
import { type ApiAnswer, callApi } from '../shell/index.ts';

const APPS = '/_watan/v1/apps';
const app = (slug: string) => `${APPS}/${encodeURIComponent(slug)}`;

export interface Licence {
  licence: number;
  sector: string;
  assignedAt: number;
  revoked: { at: number; by: string; reason: string } | null;
}

export interface Version {
  version: number;
  deployed_by: string;
  deployed_at: number;
  changes: SpecChange[];
}

export interface Plan {
  spec: AppSpec;
  not_understood: string[];
}

/** What the API says about deploying a spec: its changes, or why it cannot be deployed. */
export interface DiffAnswer {
  installed?: number;
  changes?: SpecChange[];
  problems?: SpecProblem[];
}

export const builderApi = {
  licencesOf: (request: FastifyRequest, userId: string) =>
    callApi<{ licences?: Licence[] }>(request, 'GET', `/_watan/v1/licences/holders/${encodeURIComponent(userId)}`),
  apps: (request: FastifyRequest) => callApi<{ apps?: { app: string; version: number }[] }>(request, 'GET', APPS),
  spec: (request: FastifyRequest, slug: string) => callApi<{ app: string; version: number; spec: AppSpec }>(request, 'GET', app(slug)),
  plan: (request: FastifyRequest, description: string, from?: unknown) =>
    callApi<Plan>(request, 'POST', `${APPS}/plan`, { description, ...(from !== undefined ? { from } : {}) }),
  diff: (request: FastifyRequest, spec: unknown) => callApi<DiffAnswer>(request, 'POST', `${APPS}/diff`, { spec }),
  deploy: (request: FastifyRequest, spec: unknown, confirm: boolean) =>
    callApi<{ app: string; version: number; changes?: SpecChange[] }>(request, 'POST', APPS, { spec, ...(confirm ? { confirm } : {}) }),
  versions: (request: FastifyRequest, slug: string) => callApi<{ versions?: Version[] }>(request, 'GET', `${app(slug)}/versions`),
  restore: (request: FastifyRequest, slug: string, version: number, confirm: boolean) =>
    callApi<{ version: number; changes?: SpecChange[] }>(request, 'POST', `${app(slug)}/restore`, {
      version,
      ...(confirm ? { confirm } : {}),
    }),
  builders: (request: FastifyRequest, slug: string) =>
    callApi<{ builders?: { userId: string; owner: boolean; addedAt: number }[] }>(request, 'GET', `${app(slug)}/builders`),
  setBuilder: (request: FastifyRequest, slug: string, userId: string, add: boolean) =>
    callApi(request, add ? 'PUT' : 'DELETE', `${app(slug)}/builders/${encodeURIComponent(userId)}`),
  members: (request: FastifyRequest, slug: string) =>
    callApi<{ roles?: string[]; members?: { userId: string; roles: string[] }[] }>(request, 'GET', `${app(slug)}/members`),
  setRole: (request: FastifyRequest, slug: string, userId: string, role: string, give: boolean) =>
    callApi(request, give ? 'PUT' : 'DELETE', `${app(slug)}/members/${encodeURIComponent(userId)}/roles/${encodeURIComponent(role)}`),
  removeMember: (request: FastifyRequest, slug: string, userId: string) =>
    callApi(request, 'DELETE', `${app(slug)}/members/${encodeURIComponent(userId)}`),
  changes: (request: FastifyRequest, slug: string) =>
    callApi<{ changes?: { seq: number; at: number; userId: string; what: string }[] }>(request, 'GET', `${app(slug)}/changes`),
};

/** Whether an answer is a success. */
export function succeeded(answer: ApiAnswer<unknown>): boolean {
  return answer.status >= 200 && answer.status < 300;
}
