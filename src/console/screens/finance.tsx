// The reconciliation of volume credit for a period: per currency, its totals, each
// organisation and supplier, the mismatches; downloads as CSV in the viewer's convention
// (a decimal comma brings the semicolon) and as XLSX, from the same report route.
import { useState } from 'preact/hooks';
import { call, query } from '../api.js';
import { useUi } from '../ui.js';
import { formatAmount, type Language, type MessageKey } from '../i18n.js';
import { DataTable, ErrorBox, Loading, useLatestAnswer } from '../parts.js';
import { FlowsChart, useFlowSeries } from './flows-chart.js';

type Flows = Record<'ordered' | 'issued' | 'redeemed' | 'refunded' | 'voided' | 'outstanding', string> & { spent?: string; balance?: string };

type SupplierFlows = Flows & { supplierId: string; name: string };

interface CurrencyReport {
  currency: string;
  minorUnit: number;
  totals: Flows;
  organisations: (Flows & { orgId: string; name: string })[];
  suppliers: SupplierFlows[];
}

interface Mismatch {
  kind: string;
  currency?: string;
  orgId?: string;
  detail?: string;
  [other: string]: unknown;
}

interface CreditReport {
  period: { from: string; to: string };
  currencies: CurrencyReport[];
  mismatches: Mismatch[];
}

const COLUMNS: (keyof Flows)[] = ['ordered', 'issued', 'redeemed', 'spent', 'refunded', 'voided', 'outstanding', 'balance'];
/** A supplier sells credit: what the organisations did with it (spent, balance) is theirs. */
const SUPPLIER_COLUMNS: (keyof Flows)[] = ['ordered', 'issued', 'redeemed', 'refunded', 'voided', 'outstanding'];

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The CSV convention of the viewer's language: a decimal comma goes with the semicolon. */
function csvConvention(language: Language): { delimiter: string; decimal: string } {
  const decimal = new Intl.NumberFormat(language).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
  return decimal === ',' ? { delimiter: ';', decimal: ',' } : { delimiter: ',', decimal: '.' };
}

export function FinanceScreen() {
  const { t, language } = useUi();
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 30 * 86_400_000)));
  const [to, setTo] = useState(isoDay(today));
  const [period, setPeriod] = useState({ from, to });
  const [report, setReport] = useState<CreditReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  useLatestAnswer(
    () => {
      setReport(null);
      setError(null);
      return call<CreditReport>(`/reports/credit${query(period)}`);
    },
    [period],
    setReport,
    setError,
  );
  const flows = useFlowSeries(period);
  const convention = csvConvention(language);
  const amount = (c: CurrencyReport, v: string | undefined) => (v === undefined ? '' : formatAmount(v, c.currency, c.minorUnit, language));
  return (
    <section>
      <h1>{t('finance.title')}</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setPeriod({ from, to });
        }}
      >
        <label>
          {t('finance.from')}
          <input type="date" name="from" required value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('finance.to')}
          <input type="date" name="to" required value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit">{t('finance.show')}</button>
      </form>
      <p class="downloads">
        <a href={`/v1/reports/credit${query({ ...period, format: 'csv', ...convention })}`} download data-testid="download-csv">
          {t('finance.csv')} ({convention.delimiter} {convention.decimal})
        </a>{' '}
        <a href={`/v1/reports/credit${query({ ...period, format: 'xlsx' })}`} download data-testid="download-xlsx">
          {t('finance.xlsx')}
        </a>{' '}
        {t('finance.entries')}:{' '}
        <a href={`/v1/reports/credit${query({ ...period, format: 'csv', section: 'entries', ...convention })}`} download data-testid="download-entries-csv">
          CSV
        </a>{' '}
        <a href={`/v1/reports/credit${query({ ...period, format: 'xlsx', section: 'entries' })}`} download data-testid="download-entries-xlsx">
          XLSX
        </a>
      </p>
      <ErrorBox error={error} />
      {!report && !error ? <Loading /> : null}
      {report && report.currencies.length === 0 ? <p>{t('finance.noMovement')}</p> : null}
      {report?.currencies.map((c) => (
        <>
        <table class="amounts" data-testid={`currency-${c.currency}`}>
          <caption>
            {t('finance.currency')}: {c.currency}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('devices.organisation')}</th>
              {COLUMNS.map((k) => (
                <th scope="col">{t(`finance.${k}` as MessageKey)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {c.organisations.map((o) => (
              <tr>
                <th scope="row">
                  {o.name} ({o.orgId})
                </th>
                {COLUMNS.map((k) => (
                  <td class="amount">{amount(c, o[k])}</td>
                ))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Σ</th>
              {COLUMNS.map((k) => (
                <td class="amount" data-flow={k}>
                  {amount(c, c.totals[k])}
                </td>
              ))}
            </tr>
          </tfoot>
        </table>
        <DataTable
          items={c.suppliers}
          testId={`suppliers-${c.currency}`}
          columns={[
            { label: t('devices.supplier'), cell: (x: SupplierFlows) => `${x.name} (${x.supplierId})` },
            ...SUPPLIER_COLUMNS.map((k) => ({ label: t(`finance.${k}` as MessageKey), cell: (x: SupplierFlows) => amount(c, x[k]), className: 'amount' })),
          ]}
        />
        <FlowsChart currency={c.currency} minorUnit={c.minorUnit} period={report.period} all={flows} />
        </>
      ))}
      {report ? (
        <>
          <h2>{t('finance.mismatches')}</h2>
          {report.mismatches.length === 0 ? (
            <p>{t('finance.noMismatch')}</p>
          ) : (
            <ul class="mismatches" data-testid="mismatches">
              {report.mismatches.map((m) => (
                <li class="mismatch">
                  <code>{m.kind}</code> {m.currency} {m.orgId} {m.detail ?? JSON.stringify(m)}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
    </section>
  );
}
