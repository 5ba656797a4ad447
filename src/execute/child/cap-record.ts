// Keeps a test's result record small enough to cross into the harness: the child's reporter caps each record before
// it writes it, and the harness caps again when it reads the file back, since a test process can write anything.

import { capFailure, capText, MESSAGE_LIMIT_BYTES } from '../../units/cap-text.js';
import type { ResultRecord } from './protocol.js';

/** `record` with its failure (message, stack, type) and skip reason capped; names are left whole, as they identify it. */
export function capRecord(record: ResultRecord): ResultRecord {
  const failure = record.failure === null ? null : capFailure(record.failure);
  const skipReason = record.skipReason === null ? null : capText(record.skipReason, MESSAGE_LIMIT_BYTES);
  if (failure === record.failure && skipReason === record.skipReason) return record;
  return { ...record, failure, skipReason };
}
