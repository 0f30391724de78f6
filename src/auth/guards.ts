import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import type { Principal, Scope } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRED_SCOPE } from './requires-scope.decorator.js';

function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
}

/** Global: every route needs a valid JWT unless it is marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    if (isPublic(this.reflector, context)) return true;
    return super.canActivate(context);
  }

  override handleRequest<T = Principal>(error: unknown, principal: T | false, info: unknown): T {
    if (error || !principal) {
      const reason = (info as { reason?: unknown } | undefined)?.reason;
      throw new VaultError(ErrorCode.Unauthenticated, `Authentication failed: ${typeof reason === 'string' ? reason : 'a valid bearer token is required'}.`, {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    return principal;
  }
}

/** Global, after JwtAuthGuard: the route's declared scope must be in the token. No declaration, no access. */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (isPublic(this.reflector, context)) return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (scope === undefined || principal === undefined || !principal.scopes.has(scope)) {
      throw new VaultError(ErrorCode.Forbidden, scope === undefined ? 'This route is not open to callers.' : `This call needs the scope ${scope}.`);
    }
    return true;
  }
}
