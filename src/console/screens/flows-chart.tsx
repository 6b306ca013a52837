// The flows of volume credit (ordered, issued, redeemed, spent, refunded, voided) of one
// currency over the chosen period, month by month (week by week for a period under two
// months): each bucket is the same /v1/reports/credit the table shows, for its dates, read
// once for every currency.
// Bars are drawn from the amounts as numbers (a picture); every figure shown in words, the
// tooltips included, is the report's exact decimal text.
import { useEffect, useRef, useState } from 'preact/hooks';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { call, query } from '../api.js';
import { useUi } from '../ui.js';
import { formatAmount, type MessageKey } from '../i18n.js';
import { useLatestAnswer } from '../parts.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const FLOWS = ['ordered', 'issued', 'redeemed', 'spent', 'refunded', 'voided'] as const;
type Flow = (typeof FLOWS)[number];
const COLOURS: Record<Flow, string> = { ordered: '#0b4f9c', issued: '#4f83c2', redeemed: '#1b5e20', spent: '#7a4a00', refunded: '#6a1b9a', voided: '#a4161a' };
/** At most this many bars per flow: a report call each. */
const MAX_BUCKETS = 12;

interface Bucket {
  label: string;
  from: string;
  to: string;
}

interface CurrencyTotals {
  currency: string;
  minorUnit: number;
  totals: Partial<Record<Flow, string>>;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The period cut into months (or weeks when shorter than two months), the last buckets kept when there are more than MAX_BUCKETS. */
export function buckets(from: string, to: string): Bucket[] {
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  const out: Bucket[] = [];
  const months = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
  if (months >= 2) {
    for (let m = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1)); m <= end; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) {
      const last = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 0));
      out.push({ label: day(m).slice(0, 7), from: day(m < start ? start : m), to: day(last > end ? end : last) });
    }
  } else {
    for (let w = start; w <= end; w = new Date(w.getTime() + 7 * 86_400_000)) {
      const last = new Date(w.getTime() + 6 * 86_400_000);
      out.push({ label: day(w), from: day(w), to: day(last > end ? end : last) });
    }
  }
  return out.slice(-MAX_BUCKETS);
}

/** Every currency's totals per bucket of the period: one report call a bucket, shared by the currencies' charts. */
export type FlowSeries = { bucket: Bucket; currencies: CurrencyTotals[] }[];

export function useFlowSeries(period: { from: string; to: string }): FlowSeries | null {
  const [series, setSeries] = useState<FlowSeries | null>(null);
  useLatestAnswer(
    () => {
      setSeries(null);
      return Promise.all(
        buckets(period.from, period.to).map(async (bucket) => {
          const r = await call<{ currencies: CurrencyTotals[] }>(`/reports/credit${query({ from: bucket.from, to: bucket.to })}`);
          return { bucket, currencies: r.currencies };
        }),
      );
    },
    [period.from, period.to],
    setSeries,
    () => setSeries([]),
  );
  return series;
}

export function FlowsChart({ currency, minorUnit, period, all }: { currency: string; minorUnit: number; period: { from: string; to: string }; all: FlowSeries | null }) {
  const { t, language } = useUi();
  const canvas = useRef<HTMLCanvasElement>(null);
  const series = all?.map(({ bucket, currencies }) => ({ bucket, totals: currencies.find((c) => c.currency === currency)?.totals ?? {} })) ?? null;
  useEffect(() => {
    if (!series || !canvas.current) return;
    const zero = (0).toFixed(minorUnit);
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: series.map((s) => s.bucket.label),
        datasets: FLOWS.map((flow) => ({
          label: t(`finance.${flow}` as MessageKey),
          backgroundColor: COLOURS[flow],
          data: series.map((s) => Number(s.totals[flow] ?? zero)),
          exact: series.map((s) => s.totals[flow] ?? zero),
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => {
                const exact = (item.dataset as unknown as { exact: string[] }).exact[item.dataIndex]!;
                return `${item.dataset.label ?? ''}: ${formatAmount(exact, currency, minorUnit, language)}`;
              },
            },
          },
        },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => new Intl.NumberFormat(language).format(Number(v)) } } },
      },
    });
    return () => chart.destroy();
  }, [all, language]);
  const description = t('finance.chart', { currency, from: period.from, to: period.to });
  return (
    <figure class="chart" data-testid={`chart-${currency}`}>
      <div class="chart-area">
        <canvas ref={canvas} role="img" aria-label={description} />
      </div>
      <figcaption>{description}</figcaption>
    </figure>
  );
}
