import { Global, Module } from '@nestjs/common';
import { KeyringService } from './keyring.service.js';
import { KeysRepository } from './keys.repository.js';

@Global()
@Module({ providers: [KeysRepository, KeyringService], exports: [KeyringService] })
export class CryptoModule {}
