import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'phi-vault:public';

/** Opts a route out of authentication. Only health, metrics and docs may carry it. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
