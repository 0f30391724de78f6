import { Inject, Injectable } from '@nestjs/common';
import { actorOf, withCallerDetails } from '../audit/audit-actor.js';
import { AuditLog } from '../audit/audit-log.service.js';
import type { AuditEventDraft, AuditOutcome } from '../audit/audit-event.js';
import { SCOPES, type Principal } from '../auth/principal.js';
import { breakGlassRuleViolations, mayBreakGlass } from '../breakglass/break-glass-rules.js';
import { BreakGlassService, type EpisodeReference } from '../breakglass/break-glass.service.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { KeyringService } from '../crypto/keyring.service.js';
import type { TokenType } from '../formats/format.js';
import { formatOf } from '../formats/registry.js';
import { tokenKey } from '../formats/token-key.js';
import { FpeService } from '../fpe/fpe.service.js';
import { maskedForm } from '../policy/masked-form.js';
import { applyCallerCeiling, decideReveal } from '../policy/reveal-policy.js';
import { DetokenizeRateLimit } from '../ratelimit/detokenize-rate-limit.js';
import type { LimitName } from '../ratelimit/limit-metrics.js';
import type { LimitCheck } from '../ratelimit/limits.service.js';
import type { DetokenizeItem, DetokenizeRequest, DetokenizeResponse, FpeDetokenizeRequest, Reveal } from './dto/detokenize.dto.js';
import { matchPresented } from './presented-token.js';
import { TokenRepository } from './token.repository.js';

/** A presented token the vault answers for: a live stored row, or (mode "fpe") a string that reads as an FF1 token. */
interface FoundToken {
  readonly type: TokenType;
  readonly tags: readonly string[];
  readonly patientRef: string | null;
  /** The value in the presented layout. Called only after the audit event is committed. */
  readonly value: () => string;
}

interface Decision {
  readonly token: string;
  readonly found: FoundToken | null;
  readonly reveal: Reveal;
}

/** Why a call was refused before any lookup; recorded in the denied audit event's details. */
type Refusal = 'missing_break_glass_scope' | 'break_glass_rules' | 'rate_limited' | 'break_glass_limit';

/**
 * The order of a detokenize call, each step guarding the next:
 * 1. break-glass scope (403) then break-glass rules (422): before anything is looked up, so a caller who may
 *    not break the glass (or gives no sufficient reason) cannot tell a held token from an unknown one;
 * 2. the token rate limit, then the break-glass hourly cap (429): before any lookup, so a refused call does
 *    no work; limits fail open when their store is unreachable (LimitsService);
 * 3. lookup (mode "fpe": reading each token in its type's layouts, no row involved) and a reveal level per
 *    token from the configured policy and the caller's own ceiling; FPE tokens are untagged;
 * 4. the audit event is committed, and only then is anything decrypted. If it cannot be committed AuditLog
 *    throws (503) and no value is decrypted, let alone sent. Refusals at steps 1 and 2 are audited too,
 *    as denied, so probing and misuse are visible to compliance.
 */
@Injectable()
export class DetokenizeService {
  constructor(
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    private readonly keyring: KeyringService,
    private readonly tokens: TokenRepository,
    private readonly audit: AuditLog,
    private readonly rateLimit: DetokenizeRateLimit,
    private readonly breakGlass: BreakGlassService,
    private readonly fpe: FpeService,
  ) {}

  async detokenize(request: DetokenizeRequest, principal: Principal): Promise<DetokenizeResponse> {
    const keys = [...new Set(request.tokens.map(tokenKey))];
    if (request.breakGlass) {
      if (!mayBreakGlass(principal)) {
        await this.refuse(request, principal, keys, 'missing_break_glass_scope');
        throw new VaultError(ErrorCode.Forbidden, `Break-glass needs the scope ${SCOPES.breakGlass}.`);
      }
      const violations = breakGlassRuleViolations(request);
      if (violations.length > 0) {
        // An emergency access attempt with a weak reason is exactly what compliance must see.
        await this.refuse(request, principal, keys, 'break_glass_rules');
        throw VaultError.validation(violations);
      }
    }

    const limitsFailedOpen: LimitName[] = [];
    const rate = await this.rateLimit.consume(principal, request.tokens.length);
    if (rate.verdict === 'exceeded') {
      await this.refuse(request, principal, keys, 'rate_limited');
      throw tooManyTokens(rate, request.tokens.length, this.rateLimit.tokensPerMinute);
    }
    if (rate.verdict === 'unchecked') limitsFailedOpen.push('detokenize_tokens');
    if (request.breakGlass) {
      const cap = await this.breakGlass.consumeCall(principal);
      if (cap.verdict === 'exceeded') {
        await this.refuse(request, principal, keys, 'break_glass_limit');
        throw tooManyBreakGlassCalls(cap, this.breakGlass.callsPerHour);
      }
      if (cap.verdict === 'unchecked') limitsFailedOpen.push('break_glass_calls');
    }

    const decisions = await this.decide(request, principal, keys);
    const found = decisions.flatMap((d) => (d.found === null ? [] : [d.found.patientRef]));
    const episodes = request.breakGlass ? await this.breakGlass.episodesFor(principal, found) : undefined;
    // A patient's episode is single_call only when its grant could not be kept: the store failed open.
    if (episodes?.some((e) => e.patientRef !== null && e.grant === 'single_call')) limitsFailedOpen.push('break_glass_episode');

    const [event] = await this.audit.append([
      draftOf(
        request,
        principal,
        keys,
        outcomeOf(decisions),
        withCallerDetails(principal, {
          ...modeDetails(request),
          reveals: countReveals(decisions),
          patientRefs: [...new Set(found.filter((ref): ref is string => ref !== null))],
          ...(request.reveal === 'masked' ? { requestedReveal: 'masked' } : {}),
          ...(episodes === undefined ? {} : { episodes: episodes satisfies EpisodeReference[] }),
          ...(limitsFailedOpen.length > 0 ? { limitsFailedOpen } : {}),
        }),
      ),
    ]);
    return { auditId: event.id, items: decisions.map((decision) => this.reveal(decision)) };
  }

  private async decide(request: DetokenizeRequest, principal: Principal, keys: readonly string[]): Promise<Decision[]> {
    const located = request.mode === 'fpe' ? this.locateFpe(request.type, request.namespace, request.tokens) : await this.locateStored(request.tokens, keys);
    return request.tokens.map((token, index) => {
      const found = located[index];
      if (found === null) return { token, found, reveal: 'not_found' };
      const allowed = decideReveal(this.config.revealPolicy, { roles: principal.roles, type: found.type, tags: found.tags, breakGlass: request.breakGlass });
      return { token, found, reveal: applyCallerCeiling(allowed, request.reveal) };
    });
  }

  private async locateStored(tokens: readonly string[], keys: readonly string[]): Promise<(FoundToken | null)[]> {
    const records = new Map((await this.tokens.findByKeys(keys)).map((record) => [record.tokenKey, record]));
    // A cached copy can outlive the data key it was sealed under, when a re-encryption could not reach the
    // cache to drop it (TokenCache): its row has the value under the current key. Reads never fail on that.
    const stale = [...records.values()].filter((record) => record.ciphertext !== null && !this.keyring.holdsKeyOf(record.ciphertext));
    if (stale.length > 0) for (const record of await this.tokens.reloadByKeys(stale.map((r) => r.tokenKey))) records.set(record.tokenKey, record);
    const now = new Date();
    return tokens.map((token) => {
      const match = matchPresented(token, records.get(tokenKey(token)), now);
      if (match === null) return null;
      const { record, layout } = match;
      return {
        type: record.type,
        tags: record.tags,
        patientRef: record.patientRef,
        value: () => formatOf(record.type).render(this.keyring.decrypt(record.ciphertext as Buffer, { tokenKey: record.tokenKey, type: record.type }), layout),
      };
    });
  }

  /** FPE tokens carry no row, hence no tags and no patient: the policy's type rules apply (CONTRACT section 5). */
  private locateFpe(type: FpeDetokenizeRequest['type'], namespace: string, tokens: readonly string[]): (FoundToken | null)[] {
    return this.fpe.locate(type, namespace, tokens).map((found) => (found === null ? null : { type: found.type, value: found.value, tags: [], patientRef: null }));
  }

  /** Records a call refused before any lookup: nothing was looked up, nothing is revealed. */
  private async refuse(request: DetokenizeRequest, principal: Principal, keys: readonly string[], refusal: Refusal): Promise<void> {
    await this.audit.append([
      draftOf(request, principal, keys, 'denied', withCallerDetails(principal, { ...modeDetails(request), refused: refusal, tokenCount: request.tokens.length })),
    ]);
  }

  private reveal({ token, found, reveal }: Decision): DetokenizeItem {
    if (found === null) return { token, type: null, reveal };
    const type = found.type;
    if (reveal === 'denied' || reveal === 'not_found') return { token, type, reveal };
    const value = found.value();
    return { token, type, reveal, value: reveal === 'masked' ? maskedForm(value) : value };
  }
}

/**
 * Built whole, not spread into a literal with more fields: on Node 20's V8, `{ ...draft, outcome }` makes a new
 * hidden class on every call (the spread's copy has no transition to reuse), which costs time and old-space memory.
 */
function draftOf(request: DetokenizeRequest, principal: Principal, keys: readonly string[], outcome: AuditOutcome, details: AuditEventDraft['details']): AuditEventDraft {
  return {
    actor: actorOf(principal),
    action: 'detokenize',
    purpose: request.purpose,
    justification: request.justification,
    breakGlass: request.breakGlass,
    tokens: request.tokens,
    tokenKeys: keys,
    outcome,
    details,
  };
}

/** Which tokens the call was about: recorded on every event of an fpe call, allowed or refused. */
function modeDetails(request: DetokenizeRequest): Record<string, string> {
  return request.mode === 'fpe' ? { mode: 'fpe', type: request.type, namespace: request.namespace } : {};
}

function tooManyTokens(check: Extract<LimitCheck, { verdict: 'exceeded' }>, requested: number, perMinute: number | null): VaultError {
  const detail =
    perMinute !== null && requested > perMinute
      ? `This call presents ${requested} tokens, more than the ${perMinute} a caller may detokenize a minute; split it into smaller calls.`
      : `Detokenize is limited to ${perMinute} tokens a minute per caller; try again in ${check.retryAfterSeconds} seconds.`;
  return new VaultError(ErrorCode.RateLimited, detail, { headers: { 'Retry-After': String(check.retryAfterSeconds) } });
}

function tooManyBreakGlassCalls(check: Extract<LimitCheck, { verdict: 'exceeded' }>, perHour: number): VaultError {
  return new VaultError(
    ErrorCode.RateLimited,
    `Break-glass is limited to ${perHour} call${perHour === 1 ? '' : 's'} an hour per caller; this call was recorded and refused. Try again in ${check.retryAfterSeconds} seconds.`,
    { headers: { 'Retry-After': String(check.retryAfterSeconds) } },
  );
}

function countReveals(decisions: readonly Decision[]): Record<Reveal, number> {
  const counts: Record<Reveal, number> = { plain: 0, masked: 0, denied: 0, not_found: 0 };
  for (const decision of decisions) counts[decision.reveal] += 1;
  return counts;
}

function outcomeOf(decisions: readonly Decision[]): AuditOutcome {
  const revealed = decisions.filter((d) => d.reveal === 'plain' || d.reveal === 'masked').length;
  const denied = decisions.filter((d) => d.reveal === 'denied').length;
  if (denied === 0) return 'allowed';
  return revealed === 0 ? 'denied' : 'partial';
}
