import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The framework baseline: NestJS on Fastify, the same JSON in and out as `POST /v1/tokenize`, and nothing
 * else (no auth, no validation, no database). What the vault adds is measured against this.
 */
@Controller('v1')
class BareController {
  @Post('tokenize')
  @HttpCode(200)
  tokenize(@Body() body: { items: { type: string }[] }) {
    return { items: body.items.map((item) => ({ token: '987-65-4320', type: item.type })) };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter({ bodyLimit: 1024 * 1024 }), { logger: false });
await app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.stdout.write(`listening on ${await app.getUrl()}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
