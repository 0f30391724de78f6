import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import passport from 'passport';
import { actorOf, withCallerDetails } from '../audit/audit-actor.js';
import type { AuditEventDraft } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { unstorablePath } from '../audit/storable-text.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { tokenKey } from '../formats/token-key.js';
import { DetokenizeRequestSchema } from '../tokens/dto/detokenize.dto.js';
import { unauthenticated } from './jwt.strategy.js';
import { SCOPES, type Principal, type Scope } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRED_SCOPE } from './requires-scope.decorator.js';

function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
}

/**
 * Global: every route needs a valid JWT unless it is marked @Public(). Authentication is passport's, with the
 * `jwt` strategy (JwtStrategy); every refusal comes from the strategy as a VaultError (401, or 503 when the
 * signing keys are unavailable) and is answered as it is.
 *
 * One passport middleware serves every request. @nestjs/passport's AuthGuard builds a new one per request, with
 * per-request options and callback. Measured under npm run bench's detokenize load, that pattern kept request
 * objects alive through young collections: about 0.9 MB promoted per scavenge against about 0.2 MB with this
 * guard, and the tail latency follows the garbage collector.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  // assignProperty: the principal lands on request.user with nothing else (no login, no auth-info transform).
  private readonly authenticate = passport.authenticate('jwt', { session: false, failWithError: true, assignProperty: 'user', authInfo: false });

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (isPublic(this.reflector, context)) return true;
    // Taken out here, not inside the promise: measured, the closures below holding the execution context (rather
    // than just the request and response) brought the promotion back.
    const http = context.switchToHttp();
    const request = http.getRequest();
    const response = http.getResponse();
    return new Promise((resolve, reject) => {
      this.authenticate(request, response, (error?: unknown) => (error ? reject(refusalOf(error)) : resolve(true)));
    });
  }
}

/** The strategy's own refusal; anything else passport reports (it should report nothing else) is a plain 401. */
function refusalOf(error: unknown): VaultError {
  return error instanceof VaultError ? error : unauthenticated('a valid bearer token is required');
}

/**
 * Global, after JwtAuthGuard: the route's declared scope must be in the token. No declaration, no access.
 *
 * A detokenize refused here is still a detokenize call, and CONTRACT section 5 records every one, allowed
 * or not: it becomes a denied `detokenize` event before the 403 goes out, and if that event cannot be
 * written the answer is 503 (fail closed), never a 403 that left no trace. Refusals on other routes are not
 * audited: they reveal and change nothing, the contract asks for no record of them, and recording them
 * would let any holder of any valid token write to the serialized audit chain at will; they are counted in
 * phi_vault_http_requests_total by route and status. 401s are never audited: there is no verified actor.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditLog,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (isPublic(this.reflector, context)) return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<{ user?: Principal; body?: unknown }>();
    const principal = request.user;
    if (scope !== undefined && principal !== undefined && principal.scopes.has(scope)) return true;
    const refusal = new VaultError(ErrorCode.Forbidden, scope === undefined ? 'This route is not open to callers.' : `This call needs the scope ${scope}.`);
    if (scope !== SCOPES.detokenize || principal === undefined) throw refusal;
    // AuditLog.append throws AuditUnavailable (503) when the event cannot be committed.
    return this.audit.append([refusedDetokenizeDraft(principal, request.body)]).then(() => {
      throw refusal;
    });
  }
}

/**
 * The denied event of a detokenize refused for its scope. The body has not been validated (the guard runs
 * first), so it names only what is present AND valid by the detokenize DTO's own rules (a purpose from the
 * list, a 10-1000 character justification, 1-1000 tokens; the DTO itself judges, field by field); anything
 * else is left empty, and so is all of it if some part could not be stored faithfully. A break-glass
 * attempt is marked so, for review.
 */
export function refusedDetokenizeDraft(principal: Principal, body: unknown): AuditEventDraft {
  const fields: Record<string, unknown> = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const parsed = DetokenizeRequestSchema.safeParse(body);
  const invalid = new Set(parsed.success ? [] : parsed.error.issues.map((issue) => issue.path[0]));
  const validText = (field: string): string | null => (!invalid.has(field) && typeof fields[field] === 'string' ? (fields[field] as string) : null);
  const tokens = fields.tokens;
  const refused = (given: { purpose: string | null; justification: string | null; tokens: readonly string[] }): AuditEventDraft => ({
    actor: actorOf(principal),
    action: 'detokenize',
    ...given,
    breakGlass: fields.breakGlass === true,
    tokenKeys: [...new Set(given.tokens.map(tokenKey))],
    outcome: 'denied',
    details: withCallerDetails(principal, { refused: 'missing_scope', tokenCount: given.tokens.length }),
  });
  const draft = refused({
    purpose: validText('purpose'),
    justification: validText('justification'),
    tokens: !invalid.has('tokens') && Array.isArray(tokens) && tokens.every((token) => typeof token === 'string') ? (tokens as string[]) : [],
  });
  return unstorablePath(draft) === null ? draft : refused({ purpose: null, justification: null, tokens: [] });
}
