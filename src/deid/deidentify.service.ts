import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/principal.js';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
import { hmacSha256 } from '../crypto/hmac.js';
import { KeyringService } from '../crypto/keyring.service.js';
import { MaskingPoliciesService } from '../policies/masking-policies.service.js';
import { TokenizeService } from '../tokens/tokenize.service.js';
import { compilePolicy, type CompiledPolicy } from './compiled-policy.js';
import { DEFAULT_PIPELINE_OPTIONS, deidentifyNdjson, type DeidStats, type FetchTokens, type PipelineOptions } from './deid-pipeline.js';
import { RecordWalker } from './record-walker.js';
import { RuleActions, type DeidKeys } from './rule-actions.js';
import { summaryEvent, summaryOf, type DeidSummary } from './deid-summary.js';

const MAX_COMPILED_POLICIES = 32;

/** One POST /v1/deidentify call, from its policy to its audit summary. */
export interface DeidentifyRun {
  /** The output lines; pulling drives the whole pipeline. Writes the audit summary before it ends. */
  output(input: AsyncIterable<Buffer | string>): AsyncGenerator<string>;
  /** Counts so far (final once `output` has ended). */
  summary(): DeidSummary;
}

@Injectable()
export class DeidentifyService {
  /** Compiled policy versions (a version never changes), so the rule automaton stays warm across calls. */
  private readonly compiled = new Map<string, CompiledPolicy>();

  constructor(
    private readonly policies: MaskingPoliciesService,
    private readonly tokenizer: TokenizeService,
    private readonly keyring: KeyringService,
    private readonly audit: AuditLog,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  /** Everything that can fail before the first byte of output: an unknown policy is a 404 here. */
  async open(policyName: string, principal: Principal, options: PipelineOptions = DEFAULT_PIPELINE_OPTIONS): Promise<DeidentifyRun> {
    const policy = this.compile(await this.policies.get(policyName));
    // Pseudonyms of `hash` rules with key "request": a key of this call alone, zeroed when it ends.
    const requestKey = randomBytes(32);
    const keys: DeidKeys = {
      vaultDigest: (namespace) => (value) => this.keyring.indexKeys.keyedHash(namespace, value),
      requestDigest: (value) => hmacSha256(requestKey, value),
      dateShiftDays: (patientKey, maxDays) => this.keyring.indexKeys.dateShiftDays(patientKey, maxDays),
    };
    const walker = new RecordWalker(policy, new RuleActions(policy, keys, new Date().getUTCFullYear()));
    const tags = [`deid:${policy.name}`];
    const fetchTokens: FetchTokens = async (mode, items) => {
      const response = await this.tokenizer.tokenize({ mode, items: items.map((item) => ({ ...item, tags })) }, principal);
      return response.items.map((item) => item.token);
    };
    const stats: DeidStats = { lines: 0, records: 0, errors: 0, tokens: 0, changed: [] };
    let auditId: string | null = null;
    let ended = false;

    const recordSummary = async (aborted: boolean) => {
      const [event] = await this.audit.append([summaryEvent(principal, policy, stats, aborted)]);
      auditId = event.id;
    };
    const logger = this.logger;
    return {
      summary: () => summaryOf(policy, stats, auditId),
      output: async function* (input) {
        try {
          yield* deidentifyNdjson(input, walker, fetchTokens, stats, options);
          ended = true;
        } finally {
          requestKey.fill(0);
          if (ended) {
            // A failure here fails the response (it is cut off): a de-identification call is never unaudited.
            await recordSummary(false);
          } else {
            await recordSummary(true).catch(() => logger.error({ policy: policy.name }, 'deidentify: the summary of an interrupted call could not be audited'));
          }
        }
      },
    };
  }

  private compile(policy: Awaited<ReturnType<MaskingPoliciesService['get']>>): CompiledPolicy {
    const key = `${policy.name}@${policy.version}`;
    let compiled = this.compiled.get(key);
    if (compiled === undefined) {
      compiled = compilePolicy(policy);
      if (this.compiled.size >= MAX_COMPILED_POLICIES) this.compiled.delete(this.compiled.keys().next().value as string);
      this.compiled.set(key, compiled);
    }
    return compiled;
  }
}
