import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Res, type PipeTransform } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { SCOPES, type Principal } from '../auth/principal.js';
import { RequiresScope } from '../auth/requires-scope.decorator.js';
import { VaultError } from '../common/errors/vault-error.js';
import { MaskingPoliciesService } from './masking-policies.service.js';
import type { MaskingPolicy, MaskingPolicySummary, PolicyDocument } from './policy-document.js';
import { assertPolicyName, validatePolicyDocument } from './validate-policy.js';

class PolicyNamePipe implements PipeTransform<string, string> {
  transform(name: string): string {
    assertPolicyName(name);
    return name;
  }
}

class PolicyDocumentPipe implements PipeTransform<unknown, PolicyDocument> {
  transform(body: unknown): PolicyDocument {
    return validatePolicyDocument(body);
  }
}

/** `?version=N` (optional): a positive integer. */
class VersionPipe implements PipeTransform<unknown, number | null> {
  transform(version: unknown): number | null {
    if (version === undefined) return null;
    if (typeof version !== 'string' || !/^[1-9]\d{0,8}$/.test(version)) throw VaultError.validation([{ path: 'version', message: 'must be a positive integer' }]);
    return Number(version);
  }
}

/** Masking policies (CONTRACT section 9). Every route needs vault:admin. */
@Controller('v1/policies')
export class MaskingPoliciesController {
  constructor(private readonly policies: MaskingPoliciesService) {}

  @Get()
  @RequiresScope(SCOPES.admin)
  async list(): Promise<{ items: MaskingPolicySummary[] }> {
    return { items: await this.policies.list() };
  }

  @Get(':name')
  @RequiresScope(SCOPES.admin)
  get(@Param('name', PolicyNamePipe) name: string, @Query('version', VersionPipe) version: number | null): Promise<MaskingPolicy> {
    return this.policies.get(name, version);
  }

  /** Stores a new version: 201 for a policy's first version, 200 for a later one. */
  @Put(':name')
  @RequiresScope(SCOPES.admin)
  async put(
    @Param('name', PolicyNamePipe) name: string,
    @Body(PolicyDocumentPipe) document: PolicyDocument,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MaskingPolicy> {
    const stored = await this.policies.save(name, document, principal);
    void reply.status(stored.version === 1 ? 201 : 200);
    return stored;
  }

  @Delete(':name')
  @HttpCode(204)
  @RequiresScope(SCOPES.admin)
  async remove(@Param('name', PolicyNamePipe) name: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.policies.remove(name, principal);
  }
}
