// The Budgets section of report.md: per suite and budget, the worst figure measured against it, and whether it held;
// then every breach with its sentence. Present only when some suite declares `budgets:`.

import type { RunResult } from '../results/run-result.js';
import { formatBound, formatBudgetValue, plural } from '../units/format.js';
import type { BudgetCheck, BudgetFigure } from '../results/measurement.js';
import { codeSpan, escapeCell, escapeInline, table } from './markdown-escape.js';

const NONE = '—';

function where(figure: BudgetFigure, check: BudgetCheck, inTable: boolean): string {
  const escape = inTable ? escapeCell : escapeInline;
  if (figure.fileId === null) return escape(`suite ${check.suite}`);
  const file = codeSpan(figure.fileId, inTable);
  if (figure.test !== null) return `${file} › ${escape(figure.test)}`;
  return check.kind === 'metric' ? escape(`suite ${check.suite}`) : file;
}

function worstCell(check: BudgetCheck): string {
  const worst = check.worst;
  if (worst === null || worst.measured === null) return NONE;
  const measured = formatBudgetValue(worst.measured, check.bound.unit);
  // A percent budget's limit depends on the capacity of what was measured: show the one this figure was held to.
  return escapeCell(check.bound.percent === null ? measured : `${measured} (limit ${formatBudgetValue(worst.limit, check.bound.unit)})`);
}

function resultCell(check: BudgetCheck): string {
  if (check.status === 'breached') return `❌ breached (${plural(check.breaches.length, 'breach', 'breaches')})`;
  if (check.status === 'ok') return `✅ ok (${plural(check.checked, 'figure')})`;
  return `➖ not measured${check.note === null ? '' : `: ${escapeCell(check.note)}`}`;
}

/** The Budgets section, or null when no suite declares budgets. */
export function renderBudgets(result: RunResult): string | null {
  const checks = result.budgets;
  if (checks.length === 0) return null;
  const rows = checks.map((check) => [
    escapeCell(check.suite), codeSpan(check.name, true), escapeCell(formatBound(check.bound)), worstCell(check),
    check.worst === null ? NONE : where(check.worst, check, true), resultCell(check),
  ]);
  const parts = [
    '## Budgets',
    'Each suite\'s `budgets:` against what its tests measured: the worst figure, and whether every figure held. A breach ' +
      'fails as a test of its own, `<test> [budget: <name>]`, listed under Failures.',
    table(['Suite', 'Budget', 'Bound', 'Worst', 'Where', 'Result'], rows, ['l', 'l', 'l', 'r', 'l', 'l']),
  ];
  const breaches = checks.flatMap((check) => check.breaches.map((breach) => `- ❌ ${codeSpan(breach.testName)}: ${escapeInline(breach.message)}`));
  if (breaches.length > 0) parts.push(breaches.join('\n'));
  return parts.join('\n\n');
}
