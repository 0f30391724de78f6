import { Injectable } from '@nestjs/common';
import { operationEvent } from '../audit/audit-actor.js';
import { auditUnavailable, AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/principal.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { MaskingPoliciesRepository, type StoredPolicyRow } from './masking-policies.repository.js';
import type { MaskingPolicy, MaskingPolicySummary, PolicyDocument } from './policy-document.js';
import { SAFE_HARBOR, SAFE_HARBOR_NAME } from './safe-harbor.js';

/**
 * Masking policies: the built-in `safe-harbor` (in code, read-only) and the stored ones (versioned). Saving
 * and deleting are audited; if the audit event cannot be written the change is undone and the caller gets 503.
 */
@Injectable()
export class MaskingPoliciesService {
  constructor(
    private readonly repository: MaskingPoliciesRepository,
    private readonly audit: AuditLog,
  ) {}

  /** The latest version, or the one asked for; 404 when there is none. */
  async get(name: string, version: number | null = null): Promise<MaskingPolicy> {
    if (name === SAFE_HARBOR_NAME) {
      if (version === null || version === SAFE_HARBOR.version) return SAFE_HARBOR;
      throw notFound();
    }
    const stored = await this.repository.find(name, version);
    if (stored === null) throw notFound();
    return toPolicy(stored);
  }

  async list(): Promise<MaskingPolicySummary[]> {
    const stored = (await this.repository.listLatest()).map(toPolicy);
    return [SAFE_HARBOR, ...stored]
      .map((policy) => ({ name: policy.name, version: policy.version, builtIn: policy.builtIn, updatedAt: policy.createdAt, rules: policy.rules.length }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Stores `document` as the next version of `name`. */
  async save(name: string, document: PolicyDocument, principal: Principal): Promise<MaskingPolicy> {
    refuseBuiltIn(name, 'replaced');
    const stored = await this.repository.insertNextVersion(name, document, principal.sub);
    try {
      await this.audit.append([operationEvent(principal, 'masking_policy_save', { policy: name, version: stored.version, rules: document.rules.length })]);
    } catch (error) {
      await this.repository.removeVersion(name, stored.version);
      throw auditUnavailable(error);
    }
    return toPolicy(stored);
  }

  /** Deletes every version of `name`; its version numbers are never given out again. */
  async remove(name: string, principal: Principal): Promise<void> {
    refuseBuiltIn(name, 'deleted');
    const deletedAt = await this.repository.markDeleted(name);
    if (deletedAt === null) throw notFound();
    try {
      await this.audit.append([operationEvent(principal, 'masking_policy_delete', { policy: name })]);
    } catch (error) {
      await this.repository.restore(name, deletedAt);
      throw auditUnavailable(error);
    }
  }
}

function refuseBuiltIn(name: string, verb: string): void {
  if (name === SAFE_HARBOR_NAME) {
    throw new VaultError(ErrorCode.Conflict, `The built-in policy ${SAFE_HARBOR_NAME} is read-only and cannot be ${verb}; save a copy under another name.`);
  }
}

function notFound(): VaultError {
  return new VaultError(ErrorCode.NotFound, 'No masking policy of that name (and version).');
}

function toPolicy(stored: StoredPolicyRow): MaskingPolicy {
  return { ...stored.document, name: stored.name, version: stored.version, builtIn: false, createdAt: stored.createdAt, createdBy: stored.createdBy };
}

