import { SetMetadata } from '@nestjs/common';
import type { Scope } from './principal.js';

export const REQUIRED_SCOPE = 'phi-vault:required-scope';

/**
 * Declares the scope a route needs. The global guards run in a fixed order, authentication (401) before
 * this check (403), so an anonymous caller never learns which scope an endpoint wants. A route with neither
 * this nor @Public() is refused to everyone: forgetting the decorator fails closed.
 */
export const RequiresScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);
