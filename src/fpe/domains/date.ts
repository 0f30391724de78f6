import { DAYS_IN_CALENDAR, dateFormat, dateOfDayIndex, dayIndexOf } from '../../formats/date.js';
import type { FpeDomain, FpeSpace } from '../fpe-domain.js';

/** One space for every date, in either layout: the 3,652,059 days from 0001-01-01 to 9999-12-31. */
const CALENDAR: FpeSpace = { shape: 'day-0001-01-01..9999-12-31', size: BigInt(DAYS_IN_CALENDAR) };

export const dateFpeDomain: FpeDomain = {
  type: 'date',
  spaceOf: () => CALENDAR,
  rankOfValue: (canonical) => BigInt(dayIndexOf(canonical)),
  valueOfRank: (_space, rank) => dateOfDayIndex(Number(rank)),
  rankOfToken: (canonical) => BigInt(dayIndexOf(canonical)),
  tokenOfRank: (_space, rank) => dateOfDayIndex(Number(rank)),
  // Tokens are real dates: the format's token parser accepts exactly the real dates in both layouts.
  parseToken: (presented) => dateFormat.parseToken(presented),
};
