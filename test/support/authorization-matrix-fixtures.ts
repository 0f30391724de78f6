/**
 * The authorization matrix's dimensions and expectations, written out by hand from CONTRACT sections 2 and
 * 5: never derived from src/. The calls (endpoints) are in authorization-matrix-calls.ts.
 */
export type Level = 'plain' | 'masked' | 'denied';

/** CONTRACT section 5's default policy: role -> level for untagged tokens, for untagged ssn/pan, for tagged restricted. */
const CONTRACT_POLICY: Record<string, { untagged: Level; ssnPan: Level; restricted: Level }> = {
  clinician: { untagged: 'plain', ssnPan: 'masked', restricted: 'denied' },
  service: { untagged: 'plain', ssnPan: 'plain', restricted: 'denied' },
  support: { untagged: 'masked', ssnPan: 'masked', restricted: 'denied' },
};
const RANK: Record<Level, number> = { denied: 0, masked: 1, plain: 2 };

export const ROLE_SETS: Record<string, string[]> = {
  clinician: ['clinician'],
  service: ['service'],
  support: ['support'],
  compliance: ['compliance'],
  'unknown role': ['janitor'],
  'no roles': [],
  'support+clinician': ['support', 'clinician'],
  'compliance+support': ['compliance', 'support'],
  'clinician+service': ['clinician', 'service'],
};

export const ALL_SCOPES = ['vault:tokenize', 'vault:detokenize', 'vault:break_glass', 'audit:read', 'audit:review', 'vault:admin'];
export const SCOPE_SETS: Record<string, string[]> = {
  none: [],
  tokenize: ['vault:tokenize'],
  detokenize: ['vault:detokenize'],
  'detokenize+break_glass': ['vault:detokenize', 'vault:break_glass'],
  'break_glass only': ['vault:break_glass'],
  'audit:read': ['audit:read'],
  'audit:review': ['audit:review'],
  'vault:admin': ['vault:admin'],
  'audit+admin': ['audit:read', 'audit:review', 'vault:admin'],
  all: ALL_SCOPES,
};

export interface FixtureValue {
  readonly type: 'ssn' | 'phone' | 'email' | 'date' | 'name' | 'zip' | 'mrn' | 'pan' | 'text';
  readonly value: string;
  /** CONTRACT section 5: every letter and digit but the last four becomes `*`; separators stay. */
  readonly masked: string;
  readonly restricted: boolean;
}

/** Every token type, untagged and tagged `restricted`, each tokenized once for the whole matrix. */
export const FIXTURE_VALUES: readonly FixtureValue[] = [
  { type: 'ssn', value: '123-45-6789', masked: '***-**-6789', restricted: false },
  { type: 'phone', value: '(617) 555-0142', masked: '(***) ***-0142', restricted: false },
  { type: 'email', value: 'john.doe@example.com', masked: '****.***@******e.com', restricted: false },
  { type: 'date', value: '1987-06-05', masked: '****-06-05', restricted: false },
  { type: 'name', value: "Mary-Ann O'Neil", masked: "****-*** *'Neil", restricted: false },
  { type: 'zip', value: '02139-4307', masked: '*****-4307', restricted: false },
  { type: 'mrn', value: 'MRN-000123', masked: '***-**0123', restricted: false },
  { type: 'pan', value: '4111 1111 1111 1111', masked: '**** **** **** 1111', restricted: false },
  { type: 'text', value: 'Chest pain since Tuesday.', masked: '***** **** ***** ***sday.', restricted: false },
  { type: 'ssn', value: '234-56-7890', masked: '***-**-7890', restricted: true },
  { type: 'phone', value: '212-555-0188', masked: '***-***-0188', restricted: true },
  { type: 'email', value: 'ann.lee@example.org', masked: '***.***@******e.org', restricted: true },
  { type: 'date', value: '03/14/1962', masked: '**/**/1962', restricted: true },
  { type: 'name', value: 'Ann Lee', masked: '**n Lee', restricted: true },
  { type: 'zip', value: '10027', masked: '*0027', restricted: true },
  { type: 'mrn', value: 'A-778899', masked: '*-**8899', restricted: true },
  { type: 'pan', value: '5555-5555-5555-4444', masked: '****-****-****-4444', restricted: true },
  { type: 'text', value: 'Seen for anxiety', masked: '**** *** ***iety', restricted: true },
];

export type Fixture = FixtureValue & { readonly token: string };

/** A token of the right shape that the vault never issued. */
export const UNKNOWN_TOKEN = '000-00-0000';

export interface RevealRequest {
  readonly breakGlass: boolean;
  /** The caller's own ceiling (`reveal`): `masked` lowers plain to masked, never raises. */
  readonly reveal: 'plain' | 'masked';
}

/** CONTRACT section 5: most permissive role wins; unknown roles get nothing; break-glass reveals plain; the caller's ceiling last. */
export function expectedLevel(roles: readonly string[], fixture: Pick<FixtureValue, 'type' | 'restricted'>, request: RevealRequest): Level {
  let best: Level = 'denied';
  if (request.breakGlass) best = 'plain';
  else {
    for (const role of roles) {
      const row = CONTRACT_POLICY[role];
      if (row === undefined) continue;
      const level = fixture.restricted ? row.restricted : fixture.type === 'ssn' || fixture.type === 'pan' ? row.ssnPan : row.untagged;
      if (RANK[level] > RANK[best]) best = level;
    }
  }
  return request.reveal === 'masked' && best === 'plain' ? 'masked' : best;
}
